import { isFullySignedIn, useAuth } from '../auth';
import { HomeDashboard } from '../components/HomeDashboard';
import { useConnectivity } from '../connectivity';
import { useI18n, type MessageKey } from '../i18n';
import { useServerStatus } from '../serverStatus';

export function StartPage() {
  const { t, formatDateTime } = useI18n();
  const { status, checkedAt } = useServerStatus();
  const connectivity = useConnectivity();
  const online = connectivity !== 'offline';
  const auth = useAuth();
  // Staff in a tenant get their start page (issue 23); everyone sees the server status.
  const staff = auth.status === 'signed-in' && isFullySignedIn(auth.account) && auth.account.tenant ? auth.account : null;

  const serverTime = status ? new Date(status.time) : null;
  const envKey: MessageKey | null = status ? (status.environment === 'prod' ? 'env.prod' : 'env.dev') : null;
  const dbOk = status?.database === 'ok';

  return (
    <>
      <section className="hero" aria-labelledby="home-title">
        <h1 id="home-title">{t('home.title')}</h1>
        {staff ? null : <p className="hero__lead">{t('home.intro')}</p>}
      </section>

      {staff ? <HomeDashboard account={staff} /> : null}

      <section className="card" aria-labelledby="status-title" data-testid="server-status">
        <h2 id="status-title">{t('home.status.title')}</h2>
        {status ? (
          <dl className="status-list">
            <div className="status-list__item">
              <dt>{t('home.status.version')}</dt>
              <dd data-testid="server-version" className="mono">
                {status.version}
              </dd>
            </div>
            <div className="status-list__item">
              <dt>{t('home.status.environment')}</dt>
              <dd data-testid="server-environment">
                <span className={`badge badge--${status.environment === 'prod' ? 'prod' : 'dev'}`}>
                  {envKey ? t(envKey) : status.environment}
                </span>
              </dd>
            </div>
            <div className="status-list__item">
              <dt>{t('home.status.database')}</dt>
              <dd data-testid="server-database">
                {online ? (
                  <>
                    <span className={`indicator indicator--${dbOk ? 'ok' : 'bad'}`} aria-hidden="true" />
                    {t(dbOk ? 'health.ok' : 'health.unavailable')}
                  </>
                ) : (
                  <>
                    <span className="indicator indicator--unknown" aria-hidden="true" />
                    {t('health.unknown')}
                  </>
                )}
              </dd>
            </div>
            <div className="status-list__item">
              <dt>{t('home.status.connection')}</dt>
              <dd data-testid="server-connection">
                <span className={`indicator indicator--${online ? 'ok' : 'bad'}`} aria-hidden="true" />
                {t(online ? 'health.online' : 'health.offline')}
              </dd>
            </div>
          </dl>
        ) : (
          <p className="muted" data-testid="server-status-placeholder">
            {t(connectivity === 'offline' ? 'home.status.unavailable' : 'home.status.loading')}
          </p>
        )}
        {status ? (
          <p className="status-meta muted small">
            <span>
              {t('home.status.serverTime')}:{' '}
              {serverTime && !Number.isNaN(serverTime.getTime()) ? (
                <time dateTime={status.time}>{formatDateTime(serverTime)}</time>
              ) : (
                status.time
              )}
            </span>
            {checkedAt ? <span>{t('home.status.checkedAt', { time: formatDateTime(checkedAt) })}</span> : null}
          </p>
        ) : null}
      </section>
    </>
  );
}
