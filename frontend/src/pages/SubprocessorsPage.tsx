import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import {
  getRegister,
  noticePeriods,
  planChange,
  setNoticePeriod,
  type NewChange,
  type NoticePeriod,
  type PlatformChange,
  type RegisterView,
} from '../api/subprocessors';
import { can, handleAuthError, type Account } from '../auth';
import { FormField } from '../components/FormField';
import { LoadStatus } from '../components/LoadStatus';
import { MessageLine, type Message } from '../components/MessageLine';
import { RequireAuth } from '../components/RequireAuth';
import { TextAreaField } from '../components/TextAreaField';
import { TextField } from '../components/TextField';
import { useI18n, type MessageKey } from '../i18n';
import { useKeyedLoad } from '../load';
import { fieldIssues, withDetail } from '../problems';
import { useWhen } from './incidentParts';
import { ChangeSummary, KIND_LABELS, RegisterTable, useDay } from './subprocessorParts';

/**
 * The sub-processor register (`#/platform/subprocessors`, TOM SUB-1, TRANS-5; platform
 * admins): the register as of any date, a planned change (mailed to every tenant's
 * admins), every change with the tenants' objections, and each tenant's notice period.
 */
export function SubprocessorsPage() {
  return <RequireAuth>{(account) => <SubprocessorsScreen account={account} />}</RequireAuth>;
}

function SubprocessorsScreen({ account }: { account: Account }) {
  const { t } = useI18n();
  const [version, setVersion] = useState(0);
  return (
    <div className="stack">
      <section aria-labelledby="subprocessors-title">
        <h1 id="subprocessors-title">{t('subprocessors.title')}</h1>
        <p className="muted">{t('subprocessors.intro')}</p>
      </section>
      {can(account, 'platform.subprocessors') ? (
        <>
          <RegisterCard version={version} />
          <PlanCard version={version} onPlanned={() => setVersion((v) => v + 1)} />
          <ChangesCard version={version} />
          <PeriodsCard />
        </>
      ) : (
        <p className="alert alert--error" role="alert" data-testid="subprocessors-forbidden">
          {t('subprocessors.forbidden')}
        </p>
      )}
    </div>
  );
}

function RegisterCard({ version }: { version: number }) {
  const { t } = useI18n();
  const day = useDay();
  const baseId = useId();
  const [input, setInput] = useState('');
  const [at, setAt] = useState('');
  const load = useKeyedLoad<RegisterView>(`subprocessors-register-${at}-${version}`, (signal) => getRegister(at, signal), {
    keepWhileLoading: true,
  });
  return (
    <section className="card" aria-labelledby="subprocessors-register-title">
      <h2 id="subprocessors-register-title">{t('subprocessors.register.title')}</h2>
      <form
        className="form form--inline"
        onSubmit={(e) => {
          e.preventDefault();
          setAt(input);
        }}
        data-testid="subprocessors-at-form"
      >
        <FormField
          id={`${baseId}-at`}
          label={t('subprocessors.register.at')}
          hint={{ id: `${baseId}-at-hint`, text: t('subprocessors.register.atHint') }}
          type="date"
          value={input}
          onChange={(e) => setInput(e.target.value)}
          data-testid="subprocessors-at"
        />
        <div className="form__actions">
          <button type="submit" className="button" data-testid="subprocessors-at-show">
            {t('subprocessors.register.show')}
          </button>
        </div>
      </form>
      {load.state === 'ok' ? (
        <>
          <p className="muted" data-testid="subprocessors-as-of">
            {t('subprocessors.register.asOf', { at: day(load.value.at) })}
          </p>
          {load.value.entries.length === 0 ? (
            <p className="muted" data-testid="subprocessors-empty">
              {t('subprocessors.register.empty')}
            </p>
          ) : (
            <RegisterTable entries={load.value.entries} testId="subprocessors-register" />
          )}
        </>
      ) : (
        <LoadStatus load={load} testId="subprocessors-load" loading="subprocessors.loading" forbidden="subprocessors.forbidden" error="subprocessors.error" />
      )}
    </section>
  );
}

const KINDS = ['add', 'replace', 'change_location', 'remove'] as const;
type Kind = (typeof KINDS)[number];
const MECHANISMS: readonly { value: string; label: MessageKey }[] = [
  { value: '', label: 'subprocessors.field.mechanismNone' },
  { value: 'adequacy_decision', label: 'subprocessors.mechanism.adequacy_decision' },
  { value: 'scc', label: 'subprocessors.mechanism.scc' },
  { value: 'bcr', label: 'subprocessors.mechanism.bcr' },
];
type EntryTexts = Record<'name' | 'address' | 'service' | 'data_categories' | 'country' | 'since', string>;

function PlanCard({ version, onPlanned }: { version: number; onPlanned: () => void }) {
  const { t } = useI18n();
  const baseId = useId();
  const today = useKeyedLoad<RegisterView>(`subprocessors-today-${version}`, (signal) => getRegister('', signal));
  const [kind, setKind] = useState<Kind>('add');
  const [target, setTarget] = useState('');
  const [entry, setEntry] = useState<EntryTexts>({ name: '', address: '', service: '', data_categories: '', country: 'DE', since: '' });
  const [mechanism, setMechanism] = useState('');
  const [effective, setEffective] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<Message | null>(null);
  const entries = today.state === 'ok' ? today.value.entries : [];
  const withEntry = kind === 'add' || kind === 'replace';

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setErrors({});
    setMessage(null);
    const body: NewChange = { kind, effective_on: effective, note };
    if (kind !== 'add') body.target_entry_id = target || (entries[0]?.entry_id ?? '');
    if (withEntry) body.entry = { ...entry, transfer_mechanism: mechanism || null };
    if (kind === 'change_location') {
      body.country = entry.country;
      body.transfer_mechanism = mechanism || null;
    }
    try {
      await planChange(body);
      setMessage({ kind: 'ok', text: t('subprocessors.plan.ok') });
      onPlanned();
    } catch (err) {
      handleAuthError(err);
      const issues = fieldIssues(err);
      if (issues.length > 0) {
        setErrors(Object.fromEntries(issues.map((issue) => [issue.field.replace(/^entry\./, ''), issue.message ?? t('form.invalid')])));
      }
      setMessage({ kind: 'error', text: err instanceof ApiError ? withDetail(t, t('subprocessors.plan.error'), err) : t('login.error.unreachable') });
    } finally {
      setBusy(false);
    }
  };
  const error = (field: string) => (errors[field] ? { id: `${baseId}-${field}-error`, text: errors[field], testId: `subprocessor-${field}-error` } : undefined);
  const text = (field: keyof EntryTexts, label: MessageKey, multiline = false) => (
    <TextField
      id={`${baseId}-${field}`}
      label={t(label)}
      error={error(field)}
      multiline={multiline}
      type={field === 'since' ? 'date' : 'text'}
      maxLength={field === 'country' ? 2 : 200}
      value={entry[field]}
      onChange={(value) => setEntry({ ...entry, [field]: value })}
      data-testid={`subprocessor-${field}`}
    />
  );
  return (
    <section className="card" aria-labelledby="subprocessors-plan-title">
      <h2 id="subprocessors-plan-title">{t('subprocessors.plan.title')}</h2>
      <p className="muted">{t('subprocessors.plan.text')}</p>
      <form className="form" onSubmit={(e) => void onSubmit(e)} noValidate data-testid="subprocessor-plan-form">
        <div className="field">
          <label htmlFor={`${baseId}-kind`}>{t('subprocessors.plan.kind')}</label>
          <select id={`${baseId}-kind`} value={kind} onChange={(e) => setKind(e.target.value as Kind)} data-testid="subprocessor-kind">
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(KIND_LABELS[k])}
              </option>
            ))}
          </select>
        </div>
        {kind !== 'add' ? (
          <div className="field">
            <label htmlFor={`${baseId}-target`}>{t('subprocessors.plan.target')}</label>
            <select id={`${baseId}-target`} value={target} onChange={(e) => setTarget(e.target.value)} data-testid="subprocessor-target">
              {entries.map((e) => (
                <option key={e.entry_id} value={e.entry_id}>
                  {e.name} ({e.country})
                </option>
              ))}
            </select>
          </div>
        ) : null}
        {withEntry ? (
          <>
            {text('name', 'subprocessors.field.name')}
            {text('address', 'subprocessors.field.address', true)}
            {text('service', 'subprocessors.field.service', true)}
            {text('data_categories', 'subprocessors.field.categories', true)}
          </>
        ) : null}
        {withEntry || kind === 'change_location' ? (
          <>
            {text('country', 'subprocessors.field.country')}
            <div className="field">
              <label htmlFor={`${baseId}-mechanism`}>{t('subprocessors.field.mechanism')}</label>
              <select
                id={`${baseId}-mechanism`}
                value={mechanism}
                onChange={(e) => setMechanism(e.target.value)}
                aria-invalid={errors.transfer_mechanism ? true : undefined}
                aria-describedby={errors.transfer_mechanism ? `${baseId}-transfer_mechanism-error` : undefined}
                data-testid="subprocessor-mechanism"
              >
                {MECHANISMS.map((m) => (
                  <option key={m.value} value={m.value}>
                    {t(m.label)}
                  </option>
                ))}
              </select>
              {errors.transfer_mechanism ? (
                <p id={`${baseId}-transfer_mechanism-error`} className="field__error" role="alert" data-testid="subprocessor-transfer_mechanism-error">
                  {errors.transfer_mechanism}
                </p>
              ) : null}
            </div>
          </>
        ) : null}
        {withEntry ? text('since', 'subprocessors.field.since') : null}
        <FormField
          id={`${baseId}-effective`}
          label={t('subprocessors.plan.effective')}
          error={error('effective_on')}
          type="date"
          value={effective}
          onChange={(e) => setEffective(e.target.value)}
          data-testid="subprocessor-effective"
        />
        <TextAreaField
          id={`${baseId}-note`}
          label={t('subprocessors.plan.note')}
          error={error('note')}
          rows={2}
          maxLength={2000}
          value={note}
          onChange={(e) => setNote(e.target.value)}
          data-testid="subprocessor-note"
        />
        <MessageLine message={message} testId="subprocessor-plan-message" />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={busy} data-testid="subprocessor-plan-submit">
            {t('subprocessors.plan.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}

function ChangesCard({ version }: { version: number }) {
  const { t } = useI18n();
  const load = useKeyedLoad<RegisterView>(`subprocessors-changes-${version}`, (signal) => getRegister('', signal));
  return (
    <section className="stack" aria-labelledby="subprocessors-changes-title">
      <h2 id="subprocessors-changes-title">{t('subprocessors.changes.title')}</h2>
      {load.state === 'ok' ? (
        load.value.changes.length === 0 ? (
          <p className="muted" data-testid="subprocessors-changes-empty">
            {t('subprocessors.changes.empty')}
          </p>
        ) : (
          load.value.changes.map((c) => <ChangeWithObjections key={c.change.id} item={c} />)
        )
      ) : (
        <LoadStatus load={load} testId="subprocessors-changes-load" loading="subprocessors.loading" forbidden="subprocessors.forbidden" error="subprocessors.error" />
      )}
    </section>
  );
}

function ChangeWithObjections({ item }: { item: PlatformChange }) {
  const { t } = useI18n();
  const when = useWhen();
  return (
    <section className="card" data-testid="subprocessor-change" data-objections={item.objections.length}>
      <ChangeSummary change={item.change} />
      {item.objections.length === 0 ? (
        <p className="muted">{t('subprocessors.objections.none')}</p>
      ) : (
        <>
          <h4>{t('subprocessors.objections.title', { count: item.objections.length })}</h4>
          <div className="table-scroll">
            <table className="table" data-testid="subprocessor-objections">
              <thead>
                <tr>
                  <th scope="col">{t('subprocessors.objections.tenant')}</th>
                  <th scope="col">{t('subprocessors.objections.reason')}</th>
                  <th scope="col">{t('subprocessors.objections.at')}</th>
                </tr>
              </thead>
              <tbody>
                {item.objections.map((o) => (
                  <tr key={o.tenant_id} data-testid="subprocessor-objection">
                    <td>
                      {o.tenant_name} <span className="muted">({o.tenant_slug})</span>
                    </td>
                    <td className="prewrap">{o.reason}</td>
                    <td>{when(o.objected_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function PeriodsCard() {
  const { t } = useI18n();
  const load = useKeyedLoad<NoticePeriod[]>('subprocessors-periods', noticePeriods);
  const [saved, setSaved] = useState<Record<string, number>>({});
  const [message, setMessage] = useState<Message | null>(null);
  const onSet = async (tenant: NoticePeriod, days: number) => {
    setMessage(null);
    try {
      const period = await setNoticePeriod(tenant.tenant_id, days);
      setSaved((s) => ({ ...s, [tenant.tenant_id]: period.notice_days }));
      setMessage({ kind: 'ok', text: t('subprocessors.periods.saved') });
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: err instanceof ApiError ? withDetail(t, t('subprocessors.periods.error'), err) : t('login.error.unreachable') });
    }
  };
  return (
    <section className="card" aria-labelledby="subprocessors-periods-title">
      <h2 id="subprocessors-periods-title">{t('subprocessors.periods.title')}</h2>
      <p className="muted">{t('subprocessors.periods.text')}</p>
      <MessageLine message={message} testId="subprocessor-periods-message" />
      {load.state === 'ok' ? (
        <div className="table-scroll">
          <table className="table" data-testid="subprocessor-periods">
            <thead>
              <tr>
                <th scope="col">{t('subprocessors.objections.tenant')}</th>
                <th scope="col">{t('subprocessors.periods.title')}</th>
              </tr>
            </thead>
            <tbody>
              {load.value.map((p) => (
                <tr key={p.tenant_id} data-testid="subprocessor-period">
                  <td>
                    {p.tenant_name} <span className="muted">({p.tenant_slug})</span>
                  </td>
                  <td>
                    <select
                      aria-label={t('subprocessors.periods.label', { tenant: p.tenant_name })}
                      value={saved[p.tenant_id] ?? p.notice_days}
                      onChange={(e) => void onSet(p, Number(e.target.value))}
                      data-testid={`subprocessor-period-${p.tenant_slug}`}
                    >
                      {[14, 30].map((d) => (
                        <option key={d} value={d}>
                          {t('subprocessors.periods.days', { days: d })}
                        </option>
                      ))}
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <LoadStatus load={load} testId="subprocessors-periods-load" loading="subprocessors.loading" forbidden="subprocessors.forbidden" error="subprocessors.error" />
      )}
    </section>
  );
}
