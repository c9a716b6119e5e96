import { useState } from 'react';
import { ApiError } from '../api/client';
import { acknowledgeNotice, tenantIncidents, type TenantNotice } from '../api/incidents';
import { can, handleAuthError, type Account } from '../auth';
import { LoadStatus } from '../components/LoadStatus';
import { MessageLine, type Message } from '../components/MessageLine';
import { RequireAuth } from '../components/RequireAuth';
import { useI18n } from '../i18n';
import { useEditableLoad } from '../load';
import { withDetail } from '../problems';
import { useWhen } from './incidentParts';

/**
 * "Vorfälle" (`#/incidents`, TOM BREACH-1; tenant and partner admins): the breach
 * notifications the platform operator sent to this tenant, with every Art. 33(3) item,
 * the follow-ups that came after, and the acknowledgement of receipt.
 */
export function TenantIncidentsPage() {
  return <RequireAuth>{(account) => <TenantIncidentsScreen account={account} />}</RequireAuth>;
}

function TenantIncidentsScreen({ account }: { account: Account }) {
  const { t } = useI18n();
  const [load, setLoad] = useEditableLoad<TenantNotice[]>('tenant-incidents', tenantIncidents);
  return (
    <div className="stack">
      <section aria-labelledby="tenant-incidents-title">
        <h1 id="tenant-incidents-title">{t('tenantIncidents.title')}</h1>
        <p className="muted">{t('tenantIncidents.intro')}</p>
      </section>
      {!can(account, 'incidents.read') ? (
        <p className="alert alert--error" role="alert" data-testid="tenant-incidents-forbidden">
          {t('tenantIncidents.forbidden')}
        </p>
      ) : load.state === 'ok' ? (
        load.value.length === 0 ? (
          <p className="muted" data-testid="tenant-incidents-empty">
            {t('tenantIncidents.empty')}
          </p>
        ) : (
          load.value.map((notice) => <NoticeCard key={notice.id} notice={notice} onChange={setLoad} />)
        )
      ) : (
        <LoadStatus
          load={load}
          testId="tenant-incidents-load"
          loading="tenantIncidents.loading"
          forbidden="tenantIncidents.forbidden"
          error="tenantIncidents.error"
        />
      )}
    </div>
  );
}

function NoticeCard({ notice, onChange }: { notice: TenantNotice; onChange: (value: TenantNotice[]) => void }) {
  const { t, locale } = useI18n();
  const when = useWhen();
  const de = locale.startsWith('de');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const onAcknowledge = async () => {
    if (busy) return;
    setBusy(true);
    setMessage(null);
    try {
      onChange(await acknowledgeNotice(notice.id));
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: err instanceof ApiError ? withDetail(t, t('tenantIncidents.ackError'), err) : t('login.error.unreachable') });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" data-testid="tenant-incident" data-acknowledged={notice.acknowledged_at ? 'true' : 'false'}>
      <h2>{de ? notice.subject_de : notice.subject_en}</h2>
      <p className="muted">
        {t('tenantIncidents.sentAt', { at: when(notice.sent_at) })} ·{' '}
        {t('incidents.notice.figures', { persons: notice.persons, records: notice.records })} ·{' '}
        {notice.incident_status === 'open' ? t('incidents.status.open') : t('incidents.status.closed')}
      </p>
      <pre className="prewrap" data-testid="tenant-incident-text">
        {de ? notice.body_de : notice.body_en}
      </pre>
      {notice.updates.length > 0 ? (
        <>
          <h3>{t('tenantIncidents.updates')}</h3>
          <ol className="timeline" data-testid="tenant-incident-updates">
            {notice.updates.map((u) => (
              <li key={u.id}>
                <strong>{when(u.at)}</strong> – <span className="prewrap">{de ? u.text_de : u.text_en}</span>
              </li>
            ))}
          </ol>
        </>
      ) : null}
      <MessageLine message={message} testId="tenant-incident-message" />
      {notice.acknowledged_at ? (
        <p className="alert alert--ok" role="status" data-testid="tenant-incident-acknowledged">
          {t('tenantIncidents.acknowledged', { at: when(notice.acknowledged_at) })}
        </p>
      ) : (
        <div className="form__actions">
          <button type="button" className="button button--primary" disabled={busy} onClick={() => void onAcknowledge()} data-testid="tenant-incident-acknowledge">
            {t('tenantIncidents.acknowledge')}
          </button>
        </div>
      )}
    </section>
  );
}
