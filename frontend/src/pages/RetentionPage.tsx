import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { ARCHIVE_WINDOW_DAYS } from '../api/offboarding';
import { AUDIT_MONTHS, getRetention, PARTICIPANT_MONTHS, setRetention, type RetentionView } from '../api/retention';
import { can, handleAuthError, type Account } from '../auth';
import { LocalTime, useLocalDateTimeFormat } from '../components/EventTimes';
import type { FieldError } from '../components/FormField';
import { NumberField } from '../components/NumberField';
import { LogTable } from '../components/LogTable';
import { LoadStatus } from '../components/LoadStatus';
import { MessageLine, type Message } from '../components/MessageLine';
import { RequireAuth } from '../components/RequireAuth';
import { useI18n, type MessageKey } from '../i18n';
import { useEditableLoad, type Load } from '../load';
import { fieldIssues, issueText, withDetail } from '../problems';
import { Link } from '../router';

/**
 * "Aufbewahrung" (TOM PRIV-6; tenant admins, `retention.manage`): the
 * tenant's retention periods — participant data in months after the person's
 * last event, audit entries in months — what they mean today (due now, kept
 * because restricted, the last daily run) and the next people to become due.
 * Links to the processing record (TOM RIGHTS-3), which shows the same periods.
 */
export function RetentionPage() {
  return <RequireAuth>{(account) => <RetentionScreen account={account} />}</RequireAuth>;
}

function RetentionScreen({ account }: { account: Account }) {
  const { t } = useI18n();
  return (
    <div className="stack">
      <section aria-labelledby="retention-title">
        <h1 id="retention-title">{t('retention.title')}</h1>
        <p className="muted" data-testid="retention-intro">
          {t('retention.intro')}
        </p>
      </section>
      {can(account, 'retention.manage') ? (
        <RetentionContent />
      ) : (
        <p className="alert alert--error" role="alert" data-testid="retention-forbidden">
          {t('retention.forbidden')}
        </p>
      )}
    </div>
  );
}

function RetentionContent() {
  const { t } = useI18n();
  const [load, setLoad] = useEditableLoad('retention', getRetention);

  if (load.state !== 'ok') {
    return (
      <LoadStatus load={load} testId="retention-status" loading="retention.loading" forbidden="retention.forbidden" error="retention.error" />
    );
  }

  const view = load.value;
  return (
    <>
      <PeriodsCard view={view} onSaved={setLoad} />
      <SummaryCard view={view} />
      <NextDueCard view={view} />
      <section className="card" aria-labelledby="retention-record-title" data-testid="retention-record">
        <h2 id="retention-record-title">{t('retention.record.title')}</h2>
        <p className="muted">{t('retention.record.text')}</p>
        <p>
          <Link to="/processing-record" className="button" data-testid="retention-record-link">
            {t('retention.record.link')}
          </Link>
        </p>
      </section>
      <section className="card" aria-labelledby="retention-offboarding-title" data-testid="retention-offboarding">
        <h2 id="retention-offboarding-title">{t('retention.offboarding.title')}</h2>
        <p className="muted">{t('retention.offboarding.text', { days: ARCHIVE_WINDOW_DAYS })}</p>
        <p>
          <Link to="/offboarding" className="button" data-testid="retention-offboarding-link">
            {t('retention.offboarding.link')}
          </Link>
        </p>
      </section>
    </>
  );
}

type Field = 'participant_retention_months' | 'audit_retention_months';
type FormErrors = Partial<Record<Field, string>>;

/** A whole number of months as typed, or null. */
function months(text: string): number | null {
  const trimmed = text.trim();
  return /^\d{1,4}$/.test(trimmed) ? Number(trimmed) : null;
}

/** The form of both periods. What was typed stays on an error; the ranges are checked by the server. */
function PeriodsCard({ view, onSaved }: { view: RetentionView; onSaved: (view: RetentionView) => void }) {
  const { t } = useI18n();
  const [participants, setParticipants] = useState(String(view.participant_retention_months));
  const [audit, setAudit] = useState(String(view.audit_retention_months));
  const [errors, setErrors] = useState<FormErrors>({});
  const [message, setMessage] = useState<Message | null>(null);
  const [saving, setSaving] = useState(false);
  const baseId = useId();
  const id = (field: string) => `${baseId}-${field}`;
  const errorOf = (field: Field, testId: string): FieldError | undefined =>
    errors[field] ? { id: id(`${field}-error`), text: errors[field], testId } : undefined;

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (saving) return;
    setMessage(null);
    const p = months(participants);
    const a = months(audit);
    const found: FormErrors = {};
    if (p === null) found.participant_retention_months = t('retention.field.wholeNumber');
    if (a === null) found.audit_retention_months = t('retention.field.wholeNumber');
    setErrors(found);
    if (p === null || a === null) {
      setMessage({ kind: 'error', text: t('form.fixErrors') });
      return;
    }
    setSaving(true);
    try {
      const saved = await setRetention({ participant_retention_months: p, audit_retention_months: a });
      setParticipants(String(saved.participant_retention_months));
      setAudit(String(saved.audit_retention_months));
      setMessage({ kind: 'ok', text: t('retention.saved') });
      onSaved(saved);
    } catch (err) {
      handleAuthError(err);
      const next: FormErrors = {};
      for (const issue of fieldIssues(err)) {
        if (issue.field === 'participant_retention_months' || issue.field === 'audit_retention_months') next[issue.field] = issueText(t, issue);
      }
      setErrors(next);
      let text: string;
      if (Object.keys(next).length > 0) text = t('form.fixErrors');
      else if (err instanceof ApiError && err.status === 403) text = t('retention.forbidden');
      else if (err instanceof ApiError) text = withDetail(t, t('retention.error.save'), err);
      else text = t('login.error.unreachable');
      setMessage({ kind: 'error', text });
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="card" aria-labelledby="retention-form-title">
      <h2 id="retention-form-title">{t('retention.form.title')}</h2>
      <form className="form" onSubmit={(e) => void onSubmit(e)} noValidate data-testid="retention-form">
        <div className="form-grid">
          <NumberField
            id={id('participants')}
            label={t('retention.field.participants')}
            hint={{ id: id('participants-hint'), text: t('retention.field.participantsHint', PARTICIPANT_MONTHS) }}
            error={errorOf('participant_retention_months', 'retention-participants-error')}
            range={PARTICIPANT_MONTHS}
            value={participants}
            onChange={setParticipants}
            data-testid="retention-participants"
          />
          <NumberField
            id={id('audit')}
            label={t('retention.field.audit')}
            hint={{ id: id('audit-hint'), text: t('retention.field.auditHint', AUDIT_MONTHS) }}
            error={errorOf('audit_retention_months', 'retention-audit-error')}
            range={AUDIT_MONTHS}
            value={audit}
            onChange={setAudit}
            data-testid="retention-audit"
          />
        </div>
        <MessageLine message={message} testId="retention-message" />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={saving} data-testid="retention-save">
            {saving ? t('retention.saving') : t('retention.save')}
          </button>
        </div>
      </form>
    </section>
  );
}

function SummaryCard({ view }: { view: RetentionView }) {
  const { t, locale } = useI18n();
  const format = useLocalDateTimeFormat();
  const count = new Intl.NumberFormat(locale);
  return (
    <section className="card" aria-labelledby="retention-summary-title" data-testid="retention-summary">
      <h2 id="retention-summary-title">{t('retention.summary.title')}</h2>
      <dl className="facts facts--grid">
        <div>
          <dt>{t('retention.summary.dueNow')}</dt>
          <dd data-testid="retention-due-now">{count.format(view.due_now)}</dd>
        </div>
        <div>
          <dt>{t('retention.summary.kept')}</dt>
          <dd data-testid="retention-kept">{count.format(view.kept_restricted)}</dd>
        </div>
        <div>
          <dt>{t('retention.summary.lastRun')}</dt>
          <dd data-testid="retention-last-run">
            {view.last_run_at ? <LocalTime value={view.last_run_at} format={format} /> : t('retention.summary.neverRun')}
          </dd>
        </div>
        <div>
          <dt>{t('retention.summary.updated')}</dt>
          <dd data-testid="retention-updated">
            {view.updated_at ? <LocalTime value={view.updated_at} format={format} /> : t('retention.summary.defaults')}
          </dd>
        </div>
        <div>
          <dt>{t('retention.summary.auditPast')}</dt>
          <dd data-testid="retention-audit-past">{count.format(view.audit_entries_past_retention)}</dd>
        </div>
      </dl>
    </section>
  );
}

const NEXT_COLUMNS: readonly MessageKey[] = ['retention.col.name', 'retention.col.lastEvent', 'retention.col.due'];

function NextDueCard({ view }: { view: RetentionView }) {
  const { t } = useI18n();
  const format = useLocalDateTimeFormat();
  const load: Load<unknown> = { state: 'ok', value: view.next_due };
  const status = view.next_due.length === 0 ? t('retention.next.empty') : t('retention.next.summary', { count: view.next_due.length });
  return (
    <section className="card" aria-labelledby="retention-next-title">
      <h2 id="retention-next-title">{t('retention.next.title')}</h2>
      {view.next_due.length === 0 ? (
        <p className="muted" role="status" data-testid="retention-next-empty">
          {status}
        </p>
      ) : (
        <LogTable name="retention-next" load={load} status={status} caption="retention.next.caption" columns={NEXT_COLUMNS}>
          {view.next_due.map((person) => (
            <tr key={person.participant_id} data-testid="retention-next-row" data-participant={person.participant_id}>
              <td className="cell-name">
                {person.participant_name}
                {person.restricted ? (
                  <>
                    {' '}
                    <span className="badge badge--warn">{t('participants.restricted')}</span>
                  </>
                ) : null}
              </td>
              <td className="nowrap">
                <LocalTime value={person.last_event_at} format={format} />
              </td>
              <td className="nowrap" data-testid="retention-next-due">
                <LocalTime value={person.due_at} format={format} />
              </td>
            </tr>
          ))}
        </LogTable>
      )}
    </section>
  );
}
