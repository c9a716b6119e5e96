import { useEffect, useState } from 'react';
import { isAbort } from '../api/client';
import { verifyChain } from '../api/audit';
import { getHome, type Home, type HomeSession } from '../api/home';
import { can, type Account } from '../auth';
import { parseUtc } from '../format';
import { isMessageKey, useI18n } from '../i18n';
import { useKeyedLoad } from '../load';
import { href } from '../router';
import { useTimeZone } from '../timeZone';
import { LoadStatus } from './LoadStatus';

/**
 * The start page of a signed-in staff member (issue 23): today's and the next sessions
 * with bookings and check-ins, open waiting lists, undelivered mails; tenant admins also
 * see what needs attention, with the audit log one click away.
 */
export function HomeDashboard({ account }: { account: Account }) {
  const { t } = useI18n();
  const load = useKeyedLoad(account.tenant?.id ?? '', getHome);

  return (
    <div className="stack" data-testid="home-dashboard">
      <p className="hero__lead">{t('home.greeting', { tenant: account.tenant?.name ?? '' })}</p>
      <LoadStatus load={load} testId="home-status" loading="home.loading" forbidden="home.error" error="home.error" />
      {load.state === 'ok' ? <Dashboard account={account} home={load.value} /> : null}
    </div>
  );
}

function Dashboard({ account, home }: { account: Account; home: Home }) {
  const { t } = useI18n();
  return (
    <>
      {home.admin ? <Attention account={account} admin={home.admin} /> : null}
      <section className="card" aria-labelledby="home-sessions-title" data-testid="home-sessions">
        <h2 id="home-sessions-title">{t('home.sessions.title')}</h2>
        {home.sessions.length === 0 ? (
          <p className="muted">{t('home.sessions.empty')}</p>
        ) : (
          <ul className="home-list">
            {home.sessions.map((session) => (
              <SessionItem key={session.session_id} account={account} session={session} />
            ))}
          </ul>
        )}
      </section>
      <div className="home-columns">
        <section className="card" aria-labelledby="home-waiting-title" data-testid="home-waiting">
          <h2 id="home-waiting-title">{t('home.waiting.title')}</h2>
          {home.waiting_lists.length === 0 ? (
            <p className="muted">{t('home.waiting.empty')}</p>
          ) : (
            <ul className="home-list">
              {home.waiting_lists.map((list) => (
                <li key={list.event_id} data-testid="home-waiting-entry">
                  <a href={href(`/events/${encodeURIComponent(list.event_id)}`)}>{list.event_title}</a>
                  <span className="muted"> – {t('home.waiting.entry', { waiting: list.waiting, seats: list.seats_left })}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section className="card" aria-labelledby="home-mails-title" data-testid="home-mails">
          <h2 id="home-mails-title">{t('home.mails.title')}</h2>
          {home.failed_mails.length === 0 ? (
            <p className="muted">{t('home.mails.empty')}</p>
          ) : (
            <ul className="home-list">
              {home.failed_mails.map((mail) => {
                const key = `home.mails.purpose.${mail.purpose}`;
                return (
                  <li key={mail.purpose} data-testid="home-mail-entry">
                    {t('home.mails.entry', { purpose: isMessageKey(key) ? t(key) : mail.purpose, count: mail.count })}
                  </li>
                );
              })}
            </ul>
          )}
        </section>
      </div>
    </>
  );
}

function SessionItem({ account, session }: { account: Account; session: HomeSession }) {
  const { t, locale } = useI18n();
  const starts = parseUtc(session.starts_at);
  const ends = parseUtc(session.ends_at);
  // In the tenant's time zone (issue 23).
  const timeZone = useTimeZone();
  const time = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', timeZone });
  const day = new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'short', timeZone });
  const today = starts !== null && day.format(starts) === day.format(new Date());
  const when =
    starts && ends ? `${today ? t('home.sessions.today') : day.format(starts)}, ${time.format(starts)}–${time.format(ends)}` : '';
  return (
    <li className="home-session" data-testid="home-session" data-running={session.running ? 'true' : 'false'}>
      <div>
        <span className="home-session__when">{when}</span>
        {session.running ? <span className="badge badge--ok">{t('home.sessions.running')}</span> : null}
        <br />
        <a href={href(`/events/${encodeURIComponent(session.event_id)}`)} data-testid="home-session-title">
          {session.event_title}
        </a>
      </div>
      <div className="home-session__numbers">
        <span data-testid="home-session-booked">{t('home.sessions.booked', { booked: session.booked, seats: session.seats })}</span>
        <span data-testid="home-session-present">{t('home.sessions.checkedIn', { count: session.checked_in })}</span>
      </div>
      <div className="home-session__links">
        {can(account, 'attendance.read') ? (
          <a href={href(`/sessions/${encodeURIComponent(session.session_id)}/attendance`)} data-testid="home-session-live">
            {t('home.sessions.liveList')}
          </a>
        ) : null}
        {can(account, 'kiosk.view') ? (
          <a href={href('/kiosk')} data-testid="home-session-kiosk">
            {t('home.sessions.kiosk')}
          </a>
        ) : null}
      </div>
    </li>
  );
}

type Chain = 'checking' | 'intact' | 'broken' | 'unknown';

function Attention({ account, admin }: { account: Account; admin: NonNullable<Home['admin']> }) {
  const { t, formatDateTime } = useI18n();
  const [chain, setChain] = useState<Chain>('checking');
  const mayVerify = can(account, 'audit.verify');

  useEffect(() => {
    if (!mayVerify) return;
    const controller = new AbortController();
    verifyChain(controller.signal).then(
      (report) => setChain(report.intact ? 'intact' : 'broken'),
      (err: unknown) => {
        if (!isAbort(err)) setChain('unknown');
      },
    );
    return () => controller.abort();
  }, [mayVerify]);

  const date = (value: string | null | undefined) => {
    const parsed = value ? parseUtc(value) : null;
    return parsed ? formatDateTime(parsed) : '';
  };
  const retentionLast = admin.retention_last_run_at ?? null;
  const quiet =
    admin.open_requests.length === 0 &&
    admin.devices_overdue.length === 0 &&
    admin.outdated_agents === 0 &&
    !admin.retention_overdue &&
    chain !== 'broken';

  return (
    <section className="card" aria-labelledby="home-attention-title" data-testid="home-attention">
      <h2 id="home-attention-title">{t('home.attention.title')}</h2>
      {mayVerify ? (
        <p data-testid="home-chain" data-state={chain}>
          <span className={`indicator indicator--${chain === 'intact' ? 'ok' : chain === 'broken' ? 'bad' : 'unknown'}`} aria-hidden="true" />
          {t(
            chain === 'checking'
              ? 'home.attention.chainChecking'
              : chain === 'intact'
                ? 'home.attention.chainIntact'
                : chain === 'broken'
                  ? 'home.attention.chainBroken'
                  : 'home.attention.chainUnknown',
          )}{' '}
          <a href={href('/audit')} data-testid="home-open-audit">
            {t('home.attention.openAudit')}
          </a>
        </p>
      ) : null}
      {quiet ? (
        <p className="muted" data-testid="home-attention-quiet">
          {t('home.attention.nothing')}
        </p>
      ) : null}
      {admin.open_requests.length > 0 ? (
        <div data-testid="home-requests">
          <h3>{t('home.attention.requests')}</h3>
          <ul className="home-list">
            {admin.open_requests.map((request) => {
              const kindKey = `requests.kind.${request.kind}`;
              return (
                <li key={request.id} className={request.overdue ? 'home-overdue' : undefined} data-testid="home-request">
                  {isMessageKey(kindKey) ? t(kindKey) : request.kind}:{' '}
                  {t(request.overdue ? 'home.attention.requestOverdue' : 'home.attention.requestDue', { date: date(request.due_at) })}
                </li>
              );
            })}
          </ul>
          <a href={href('/requests')}>{t('home.attention.openRequests')}</a>
        </div>
      ) : null}
      {admin.devices_overdue.length > 0 || admin.outdated_agents > 0 ? (
        <div data-testid="home-devices">
          {admin.devices_overdue.length > 0 ? (
            <>
              <h3>{t('home.attention.devices')}</h3>
              <ul className="home-list">
                {admin.devices_overdue.map((device) => (
                  <li key={device.id} data-testid="home-device">
                    {device.name} –{' '}
                    {device.last_heartbeat_at
                      ? t('home.attention.deviceLast', { date: date(device.last_heartbeat_at) })
                      : t('home.attention.deviceNever')}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          {admin.outdated_agents > 0 ? <p>{t('home.attention.outdated', { count: admin.outdated_agents })}</p> : null}
          <a href={href('/devices')}>{t('home.attention.openDevices')}</a>
        </div>
      ) : null}
      {admin.retention_overdue && retentionLast ? (
        <p data-testid="home-retention">
          {t('home.attention.retention', { date: date(retentionLast) })} <a href={href('/retention')}>{t('home.attention.openRetention')}</a>
        </p>
      ) : null}
    </section>
  );
}
