import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { listIncidents, openIncident, previewScope, type IncidentSummary, type ScopeInput, type ScopeResult } from '../api/incidents';
import { can, handleAuthError, type Account } from '../auth';
import { FormField } from '../components/FormField';
import { LoadStatus } from '../components/LoadStatus';
import { MessageLine, type Message } from '../components/MessageLine';
import { RequireAuth } from '../components/RequireAuth';
import { TextAreaField } from '../components/TextAreaField';
import { TextField } from '../components/TextField';
import { localInputToUtc } from '../format';
import { useI18n, type MessageKey } from '../i18n';
import { useKeyedLoad } from '../load';
import { fieldIssues, withDetail } from '../problems';
import { Link, navigate } from '../router';
import { useWhen } from './incidentParts';

/**
 * The incident register (`#/platform/incidents`, TOM BREACH-1; platform admins): every
 * incident with its 72-hour clock (overdue highlighted), and a new incident with the
 * facts Art. 33 asks for; the affected tenants and numbers are computed from the data
 * for the chosen scope and shown before the incident is opened.
 */
export function IncidentsPage() {
  return <RequireAuth>{(account) => <IncidentsScreen account={account} />}</RequireAuth>;
}

function IncidentsScreen({ account }: { account: Account }) {
  const { t } = useI18n();
  return (
    <div className="stack">
      <section aria-labelledby="incidents-title">
        <h1 id="incidents-title">{t('incidents.title')}</h1>
        <p className="muted">{t('incidents.intro')}</p>
      </section>
      {can(account, 'platform.incidents') ? (
        <>
          <IncidentList />
          <NewIncidentCard />
        </>
      ) : (
        <p className="alert alert--error" role="alert" data-testid="incidents-forbidden">
          {t('incidents.forbidden')}
        </p>
      )}
    </div>
  );
}

function IncidentList() {
  const { t } = useI18n();
  const when = useWhen();
  const load = useKeyedLoad<IncidentSummary[]>('incidents', listIncidents);
  return (
    <section className="card" aria-labelledby="incidents-list-title">
      <h2 id="incidents-list-title">{t('incidents.list.title')}</h2>
      {load.state === 'ok' ? (
        load.value.length === 0 ? (
          <p className="muted" data-testid="incidents-empty">
            {t('incidents.list.empty')}
          </p>
        ) : (
          <div className="table-scroll">
            <table className="table" data-testid="incidents-list">
              <thead>
                <tr>
                  <th scope="col">{t('incidents.field.title')}</th>
                  <th scope="col">{t('incidents.field.discoveredAt')}</th>
                  <th scope="col">{t('incidents.clock.deadline')}</th>
                  <th scope="col">{t('incidents.list.status')}</th>
                  <th scope="col" className="num">
                    {t('incidents.list.tenants')}
                  </th>
                  <th scope="col" className="num">
                    {t('incidents.scope.persons')}
                  </th>
                  <th scope="col" className="num">
                    {t('incidents.scope.records')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {load.value.map((incident) => (
                  <tr key={incident.id} data-testid="incident-row" data-overdue={incident.clock.overdue ? 'true' : 'false'}>
                    <td>
                      <Link to={`/platform/incidents/${encodeURIComponent(incident.id)}`}>{incident.title}</Link>
                    </td>
                    <td>{when(incident.discovered_at)}</td>
                    <td>
                      {when(incident.clock.deadline)}
                      {incident.clock.overdue ? <span className="badge badge--bad"> {t('incidents.clock.overdue')}</span> : null}
                    </td>
                    <td>{incident.status === 'open' ? t('incidents.status.open') : t('incidents.status.closed')}</td>
                    <td className="num">
                      {incident.notices_sent}/{incident.tenants}
                    </td>
                    <td className="num">{incident.persons}</td>
                    <td className="num">{incident.records}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      ) : (
        <LoadStatus load={load} testId="incidents-load" loading="incidents.loading" forbidden="incidents.forbidden" error="incidents.error" />
      )}
    </section>
  );
}

const KINDS: readonly { value: string; label: MessageKey }[] = [
  { value: 'all_tenants', label: 'incidents.scope.kind.all_tenants' },
  { value: 'tenants', label: 'incidents.scope.kind.tenants' },
  { value: 'accounts', label: 'incidents.scope.kind.accounts' },
  { value: 'device', label: 'incidents.scope.kind.device' },
  { value: 'backup_file', label: 'incidents.scope.kind.backup_file' },
];

const NATURES: readonly { value: string; label: MessageKey }[] = [
  { value: 'confidentiality', label: 'incidents.nature.confidentiality' },
  { value: 'integrity', label: 'incidents.nature.integrity' },
  { value: 'availability', label: 'incidents.nature.availability' },
];

type Texts = Record<'title' | 'description' | 'data_categories' | 'systems' | 'measures' | 'consequences' | 'contact', string>;

function utc(value: string): string {
  const at = localInputToUtc(value);
  return at ? `${at}Z` : value;
}

function NewIncidentCard() {
  const { t } = useI18n();
  const baseId = useId();
  const [texts, setTexts] = useState<Texts>({
    title: '',
    description: '',
    data_categories: '',
    systems: '',
    measures: '',
    consequences: '',
    contact: '',
  });
  const [nature, setNature] = useState('confidentiality');
  const [discovered, setDiscovered] = useState('');
  const [started, setStarted] = useState('');
  const [kind, setKind] = useState('all_tenants');
  const [ids, setIds] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [scope, setScope] = useState<ScopeResult | null>(null);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<Message | null>(null);

  const scopeInput = (): ScopeInput => ({
    kind,
    ids: ids
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
    window_from: utc(from),
    window_to: utc(to),
  });

  const fail = (err: unknown, fallback: MessageKey) => {
    handleAuthError(err);
    const issues = fieldIssues(err);
    if (issues.length > 0) {
      setErrors(Object.fromEntries(issues.map((issue) => [issue.field, issue.message ?? t('form.invalid')])));
      setMessage({ kind: 'error', text: t('form.fixErrors') });
    } else {
      setMessage({ kind: 'error', text: err instanceof ApiError ? withDetail(t, t(fallback), err) : t('login.error.unreachable') });
    }
  };

  const onPreview = async () => {
    if (busy) return;
    setBusy(true);
    setErrors({});
    setMessage(null);
    try {
      setScope(await previewScope(scopeInput()));
    } catch (err) {
      setScope(null);
      fail(err, 'incidents.scope.error');
    } finally {
      setBusy(false);
    }
  };

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setErrors({});
    setMessage(null);
    try {
      const opened = await openIncident({ ...texts, nature, discovered_at: utc(discovered), started_at: utc(started), scope: scopeInput() });
      navigate(`/platform/incidents/${encodeURIComponent(opened.id)}`);
    } catch (err) {
      fail(err, 'incidents.open.error');
    } finally {
      setBusy(false);
    }
  };

  const error = (field: string) => {
    const text = errors[field] ?? errors[`scope.${field}`];
    return text ? { id: `${baseId}-${field}-error`, text, testId: `incident-${field}-error` } : undefined;
  };
  const textField = (field: keyof Texts, label: MessageKey, multiline: boolean) => (
    <TextField
      id={`${baseId}-${field}`}
      label={t(label)}
      error={error(field)}
      multiline={multiline}
      rows={3}
      maxLength={200}
      value={texts[field]}
      onChange={(value) => setTexts({ ...texts, [field]: value })}
      data-testid={`incident-${field}`}
    />
  );

  return (
    <section className="card" aria-labelledby="incident-new-title">
      <h2 id="incident-new-title">{t('incidents.open.title')}</h2>
      <form className="form" onSubmit={(e) => void onSubmit(e)} noValidate data-testid="incident-form">
        {textField('title', 'incidents.field.title', false)}
        {textField('description', 'incidents.field.description', true)}
        <div className="field">
          <label htmlFor={`${baseId}-nature`}>{t('incidents.field.nature')}</label>
          <select id={`${baseId}-nature`} value={nature} onChange={(e) => setNature(e.target.value)} data-testid="incident-nature">
            {NATURES.map((n) => (
              <option key={n.value} value={n.value}>
                {t(n.label)}
              </option>
            ))}
          </select>
        </div>
        {textField('data_categories', 'incidents.field.dataCategories', true)}
        {textField('systems', 'incidents.field.systems', true)}
        {textField('measures', 'incidents.field.measures', true)}
        {textField('consequences', 'incidents.field.consequences', true)}
        {textField('contact', 'incidents.field.contact', true)}
        <FormField
          id={`${baseId}-discovered`}
          label={t('incidents.field.discoveredAt')}
          error={error('discovered_at')}
          type="datetime-local"
          value={discovered}
          onChange={(e) => setDiscovered(e.target.value)}
          data-testid="incident-discovered"
        />
        <FormField
          id={`${baseId}-started`}
          label={t('incidents.field.startedAt')}
          error={error('started_at')}
          type="datetime-local"
          value={started}
          onChange={(e) => setStarted(e.target.value)}
          data-testid="incident-started"
        />
        <fieldset className="fieldset">
          <legend>{t('incidents.scope.title')}</legend>
          <p className="muted">{t('incidents.scope.text')}</p>
          <div className="field">
            <label htmlFor={`${baseId}-kind`}>{t('incidents.scope.kind')}</label>
            <select id={`${baseId}-kind`} value={kind} onChange={(e) => setKind(e.target.value)} data-testid="incident-scope-kind">
              {KINDS.map((k) => (
                <option key={k.value} value={k.value}>
                  {t(k.label)}
                </option>
              ))}
            </select>
          </div>
          {kind !== 'all_tenants' ? (
            <TextAreaField
              id={`${baseId}-ids`}
              label={t('incidents.scope.ids')}
              hint={{ id: `${baseId}-ids-hint`, text: t('incidents.scope.idsHint') }}
              error={error('ids')}
              rows={2}
              value={ids}
              onChange={(e) => setIds(e.target.value)}
              data-testid="incident-scope-ids"
            />
          ) : null}
          <FormField
            id={`${baseId}-from`}
            label={t('incidents.scope.from')}
            error={error('window_from')}
            type="datetime-local"
            value={from}
            onChange={(e) => setFrom(e.target.value)}
            data-testid="incident-scope-from"
          />
          <FormField
            id={`${baseId}-to`}
            label={t('incidents.scope.to')}
            error={error('window_to')}
            type="datetime-local"
            value={to}
            onChange={(e) => setTo(e.target.value)}
            data-testid="incident-scope-to"
          />
          <div className="form__actions">
            <button type="button" className="button" disabled={busy} onClick={() => void onPreview()} data-testid="incident-scope-compute">
              {t('incidents.scope.compute')}
            </button>
          </div>
          {scope ? <ScopeTable scope={scope} /> : null}
        </fieldset>
        <MessageLine message={message} testId="incident-message" />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={busy} data-testid="incident-submit">
            {t('incidents.open.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}

function ScopeTable({ scope }: { scope: ScopeResult }) {
  const { t } = useI18n();
  return (
    <div className="table-scroll">
      <table className="table" data-testid="incident-scope" data-persons={scope.persons} data-records={scope.records}>
        <thead>
          <tr>
            <th scope="col">{t('incidents.scope.tenant')}</th>
            <th scope="col" className="num">
              {t('incidents.scope.persons')}
            </th>
            <th scope="col" className="num">
              {t('incidents.scope.records')}
            </th>
          </tr>
        </thead>
        <tbody>
          {scope.tenants.map((tenant) => (
            <tr key={tenant.tenant_id} data-testid="incident-scope-tenant" data-slug={tenant.tenant_slug}>
              <td>
                {tenant.tenant_name} ({tenant.tenant_slug})
              </td>
              <td className="num">{tenant.persons}</td>
              <td className="num">{tenant.records}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{t('incidents.scope.total', { tenants: scope.tenants.length })}</th>
            <td className="num" data-testid="incident-scope-persons">
              {scope.persons}
            </td>
            <td className="num" data-testid="incident-scope-records">
              {scope.records}
            </td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
