import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { addUpdate, editNotice, exportIncident, getIncident, sendNotice, type IncidentView, type NoticeView } from '../api/incidents';
import { can, handleAuthError, type Account } from '../auth';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { FormField } from '../components/FormField';
import { LoadStatus } from '../components/LoadStatus';
import { MessageLine, type Message } from '../components/MessageLine';
import { RequireAuth } from '../components/RequireAuth';
import { TextAreaField } from '../components/TextAreaField';
import { saveBlob } from '../download';
import { useI18n, type MessageKey } from '../i18n';
import { useEditableLoad } from '../load';
import { withDetail } from '../problems';
import { href } from '../router';
import { useWhen } from './incidentParts';

/**
 * One incident (`#/platform/incidents/{id}`, TOM BREACH-1, BREACH-2): the facts, the
 * 72-hour clock (overdue highlighted), each affected tenant's notification (numbers,
 * draft in German and English, edited and sent here, acknowledgement), the timeline,
 * follow-up information in phases, the signed export and a printable view.
 */
export function IncidentPage({ incidentId }: { incidentId: string }) {
  return <RequireAuth>{(account) => <IncidentScreen account={account} incidentId={incidentId} />}</RequireAuth>;
}

function IncidentScreen({ account, incidentId }: { account: Account; incidentId: string }) {
  const { t } = useI18n();
  const [load, setLoad] = useEditableLoad<IncidentView>(`incident:${incidentId}`, (signal) => getIncident(incidentId, signal));
  if (!can(account, 'platform.incidents')) {
    return (
      <p className="alert alert--error" role="alert" data-testid="incidents-forbidden">
        {t('incidents.forbidden')}
      </p>
    );
  }
  return (
    <article className="print-record stack" aria-labelledby="incident-title" data-testid="incident">
      <p className="no-print">
        <a href={href('/platform/incidents')} data-testid="incident-back">
          {t('incidents.back')}
        </a>
      </p>
      {load.state === 'ok' ? (
        <IncidentBody incident={load.value} onChange={setLoad} />
      ) : (
        <LoadStatus load={load} testId="incident-load" loading="incidents.loading" forbidden="incidents.forbidden" error="incidents.error" />
      )}
    </article>
  );
}

const NATURE: Record<string, MessageKey> = {
  confidentiality: 'incidents.nature.confidentiality',
  integrity: 'incidents.nature.integrity',
  availability: 'incidents.nature.availability',
};

const KIND: Record<string, MessageKey> = {
  all_tenants: 'incidents.scope.kind.all_tenants',
  tenants: 'incidents.scope.kind.tenants',
  accounts: 'incidents.scope.kind.accounts',
  device: 'incidents.scope.kind.device',
};

function IncidentBody({ incident, onChange }: { incident: IncidentView; onChange: (value: IncidentView) => void }) {
  const { t, locale } = useI18n();
  const when = useWhen();
  const [message, setMessage] = useState<Message | null>(null);
  const hours = Math.floor(Math.abs(incident.clock.seconds_left) / 3600);
  const onExport = async () => {
    setMessage(null);
    try {
      const { blob, filename } = await exportIncident(incident.id);
      saveBlob(blob, filename);
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: withDetail(t, t('incidents.export.error'), err) });
    }
  };
  const facts: [MessageKey, string][] = [
    ['incidents.field.description', incident.description],
    ['incidents.field.nature', t(NATURE[incident.nature] ?? 'incidents.nature.confidentiality')],
    ['incidents.field.dataCategories', incident.data_categories],
    ['incidents.field.systems', incident.systems],
    ['incidents.field.measures', incident.measures],
    ['incidents.field.consequences', incident.consequences],
    ['incidents.field.contact', incident.contact],
    ['incidents.field.startedAt', when(incident.started_at)],
    ['incidents.field.discoveredAt', when(incident.discovered_at)],
    [
      'incidents.scope.title',
      `${t(KIND[incident.scope_kind] ?? 'incidents.scope.kind.all_tenants')}${incident.scope_ids.length ? `: ${incident.scope_ids.join(', ')}` : ''} · ${when(incident.window_from)} – ${when(incident.window_to)}`,
    ],
  ];
  return (
    <>
      <div className="card__head">
        <h1 id="incident-title">{incident.title}</h1>
        <div className="form__actions no-print">
          <button type="button" className="button" onClick={() => void onExport()} data-testid="incident-export">
            {t('incidents.export.download')}
          </button>
          <button type="button" className="button button--primary" onClick={() => window.print()} data-testid="incident-print">
            {t('incidents.print')}
          </button>
        </div>
      </div>
      <MessageLine message={message} testId="incident-export-message" />
      <p
        className={incident.clock.overdue ? 'alert alert--error' : 'alert alert--ok'}
        data-testid="incident-clock"
        data-overdue={incident.clock.overdue ? 'true' : 'false'}
      >
        {incident.status === 'closed'
          ? t('incidents.status.closed')
          : incident.clock.seconds_left >= 0
            ? t('incidents.clock.left', { deadline: when(incident.clock.deadline), hours: hours.toLocaleString(locale) })
            : t('incidents.clock.past', { deadline: when(incident.clock.deadline), hours: hours.toLocaleString(locale) })}
        {incident.clock.overdue ? ` ${t('incidents.clock.overdueText')}` : ''}
      </p>
      <section className="card" aria-labelledby="incident-facts-title">
        <h2 id="incident-facts-title">{t('incidents.facts.title')}</h2>
        <dl className="facts">
          {facts.map(([label, value]) => (
            <div key={label}>
              <dt>{t(label)}</dt>
              <dd className="prewrap">{value}</dd>
            </div>
          ))}
        </dl>
      </section>
      <section className="card" aria-labelledby="incident-notices-title">
        <h2 id="incident-notices-title">{t('incidents.notices.title')}</h2>
        {incident.notices.length === 0 ? <p className="muted">{t('incidents.notices.none')}</p> : null}
        {incident.notices.map((notice) => (
          <NoticeCard key={notice.tenant_id} incident={incident} notice={notice} onChange={onChange} />
        ))}
      </section>
      <section className="card" aria-labelledby="incident-timeline-title">
        <h2 id="incident-timeline-title">{t('incidents.timeline.title')}</h2>
        <ol className="timeline" data-testid="incident-timeline">
          {incident.timeline.map((entry) => (
            <li key={entry.id} data-kind={entry.kind}>
              <strong>{when(entry.at)}</strong> – <span className="prewrap">{locale.startsWith('de') ? entry.text_de : entry.text_en}</span>
            </li>
          ))}
        </ol>
      </section>
      {incident.status === 'open' ? <UpdateForm incident={incident} onChange={onChange} /> : null}
    </>
  );
}

function NoticeCard({ incident, notice, onChange }: { incident: IncidentView; notice: NoticeView; onChange: (value: IncidentView) => void }) {
  const { t, locale } = useI18n();
  const when = useWhen();
  const baseId = useId();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState({ subject_de: notice.subject_de, body_de: notice.body_de, subject_en: notice.subject_en, body_en: notice.body_en });
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const de = locale.startsWith('de');

  const act = async (work: () => Promise<IncidentView>, ok: MessageKey, fail: MessageKey) => {
    if (busy) return;
    setBusy(true);
    setMessage(null);
    try {
      onChange(await work());
      setMessage({ kind: 'ok', text: t(ok) });
      setEditing(false);
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: err instanceof ApiError ? withDetail(t, t(fail), err) : t('login.error.unreachable') });
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };

  const onSave = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void act(() => editNotice(incident.id, notice.tenant_id, draft), 'incidents.notice.saved', 'incidents.notice.saveError');
  };

  return (
    <div
      className="notice"
      data-testid="incident-notice"
      data-tenant={notice.tenant_slug}
      data-status={notice.status}
      data-overdue={notice.overdue ? 'true' : 'false'}
    >
      <h3>
        {notice.tenant_name} ({notice.tenant_slug}){' '}
        {notice.status === 'sent' ? (
          <span className="badge badge--ok">{t('incidents.notice.sent', { at: when(notice.sent_at) })}</span>
        ) : (
          <span className="badge badge--warn">{t('incidents.notice.draft')}</span>
        )}{' '}
        {notice.overdue ? <span className="badge badge--bad">{t('incidents.clock.overdue')}</span> : null}{' '}
        {notice.acknowledged_at ? (
          <span className="badge badge--ok" data-testid="incident-notice-acknowledged">
            {t('incidents.notice.acknowledged', { at: when(notice.acknowledged_at) })}
          </span>
        ) : null}
      </h3>
      <p data-testid="incident-notice-figures">{t('incidents.notice.figures', { persons: notice.persons, records: notice.records })}</p>
      {editing ? (
        <form className="form no-print" onSubmit={onSave} noValidate data-testid="incident-notice-form">
          <FormField
            id={`${baseId}-sde`}
            label={t('incidents.notice.subjectDe')}
            type="text"
            maxLength={300}
            value={draft.subject_de}
            onChange={(e) => setDraft({ ...draft, subject_de: e.target.value })}
          />
          <TextAreaField
            id={`${baseId}-bde`}
            label={t('incidents.notice.bodyDe')}
            rows={12}
            value={draft.body_de}
            onChange={(e) => setDraft({ ...draft, body_de: e.target.value })}
            data-testid="incident-notice-body-de"
          />
          <FormField
            id={`${baseId}-sen`}
            label={t('incidents.notice.subjectEn')}
            type="text"
            maxLength={300}
            value={draft.subject_en}
            onChange={(e) => setDraft({ ...draft, subject_en: e.target.value })}
          />
          <TextAreaField
            id={`${baseId}-ben`}
            label={t('incidents.notice.bodyEn')}
            rows={12}
            value={draft.body_en}
            onChange={(e) => setDraft({ ...draft, body_en: e.target.value })}
            data-testid="incident-notice-body-en"
          />
          <div className="form__actions">
            <button type="submit" className="button button--primary" disabled={busy} data-testid="incident-notice-save">
              {t('incidents.notice.save')}
            </button>
            <button type="button" className="button" onClick={() => setEditing(false)}>
              {t('offboarding.dialog.cancel')}
            </button>
          </div>
        </form>
      ) : (
        <details>
          <summary>{de ? notice.subject_de : notice.subject_en}</summary>
          <pre className="prewrap" data-testid="incident-notice-text">
            {de ? notice.body_de : notice.body_en}
          </pre>
        </details>
      )}
      <MessageLine message={message} testId="incident-notice-message" />
      {notice.status === 'draft' && incident.status === 'open' && !editing ? (
        <div className="form__actions no-print">
          <button type="button" className="button" onClick={() => setEditing(true)} data-testid="incident-notice-edit">
            {t('incidents.notice.edit')}
          </button>
          <button type="button" className="button button--primary" onClick={() => setConfirming(true)} data-testid="incident-notice-send">
            {t('incidents.notice.send')}
          </button>
        </div>
      ) : null}
      <ConfirmDialog
        open={confirming}
        title={t('incidents.notice.confirmTitle')}
        text={t('incidents.notice.confirmText', { tenant: notice.tenant_name })}
        confirmLabel={t('incidents.notice.send')}
        cancelLabel={t('offboarding.dialog.cancel')}
        busy={busy}
        onConfirm={() => void act(() => sendNotice(incident.id, notice.tenant_id), 'incidents.notice.sentOk', 'incidents.notice.sendError')}
        onCancel={() => setConfirming(false)}
        testId="incident-notice-dialog"
      />
    </div>
  );
}

function UpdateForm({ incident, onChange }: { incident: IncidentView; onChange: (value: IncidentView) => void }) {
  const { t } = useI18n();
  const baseId = useId();
  const [textDe, setTextDe] = useState('');
  const [textEn, setTextEn] = useState('');
  const [close, setClose] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setMessage(null);
    try {
      onChange(await addUpdate(incident.id, textDe, textEn, close));
      setTextDe('');
      setTextEn('');
      setMessage({ kind: 'ok', text: t('incidents.update.done') });
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: err instanceof ApiError ? withDetail(t, t('incidents.update.error'), err) : t('login.error.unreachable') });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card no-print" aria-labelledby="incident-update-title">
      <h2 id="incident-update-title">{t('incidents.update.title')}</h2>
      <p className="muted">{t('incidents.update.text')}</p>
      <form className="form" onSubmit={(e) => void onSubmit(e)} noValidate data-testid="incident-update-form">
        <TextAreaField id={`${baseId}-de`} label={t('incidents.update.textDe')} rows={4} value={textDe} onChange={(e) => setTextDe(e.target.value)} data-testid="incident-update-de" />
        <TextAreaField id={`${baseId}-en`} label={t('incidents.update.textEn')} rows={4} value={textEn} onChange={(e) => setTextEn(e.target.value)} data-testid="incident-update-en" />
        <label className="checkbox">
          <input type="checkbox" checked={close} onChange={(e) => setClose(e.target.checked)} data-testid="incident-update-close" />{' '}
          {t('incidents.update.close')}
        </label>
        <MessageLine message={message} testId="incident-update-message" />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={busy} data-testid="incident-update-submit">
            {t('incidents.update.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}
