import { useCallback, useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import {
  activeFilters,
  auditActions,
  exportUrl,
  FILTER_KEYS,
  searchAudit,
  verifyChain,
  type AuditEntry,
  type AuditFilters,
  type AuditPage as AuditPageData,
  type ChainReport,
} from '../api/audit';
import { ApiError, isAbort } from '../api/client';
import { handleAuthError } from '../auth';
import { RequireAuth } from '../components/RequireAuth';
import { parseUtc, shortId, toApiDateTime } from '../format';
import { isMessageKey, useI18n } from '../i18n';
import { navigate, useHashLocation } from '../router';

/**
 * TOM INPUT-3 / INPUT-4 / INPUT-5: the tenant's audit trail for staff with the
 * right role — filter, page back in time, download signed exports and see
 * whether the hash chain is intact.
 *
 * Filters and the page position live in the route's query (`#/audit?action=…
 * &before=…`), so reload and back/forward keep the view; the fragment never
 * reaches the server.
 */
export function AuditPage() {
  return <RequireAuth>{() => <AuditView />}</RequireAuth>;
}

type Load<T> =
  | { state: 'loading' }
  | { state: 'ok'; value: T }
  | { state: 'forbidden' }
  | { state: 'error'; detail: string | null };

function failure<T>(err: unknown): Load<T> {
  handleAuthError(err);
  if (err instanceof ApiError && err.status === 403) return { state: 'forbidden' };
  const detail = err instanceof ApiError ? (err.problem?.detail ?? err.problem?.title ?? null) : null;
  return { state: 'error', detail };
}

function filtersFrom(query: URLSearchParams): AuditFilters {
  const filters: AuditFilters = {};
  for (const key of FILTER_KEYS) {
    const value = query.get(key);
    if (value) filters[key] = value;
  }
  return filters;
}

function positiveInt(value: string | null): number | null {
  if (!value || !/^\d+$/.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}

function AuditView() {
  const { t } = useI18n();
  const { query } = useHashLocation();

  const filters = useMemo(() => filtersFrom(query), [query]);
  const before = positiveInt(query.get('before'));
  const page = positiveInt(query.get('page')) ?? 1;
  const filterKey = new URLSearchParams(activeFilters(filters)).toString();
  const searchKey = `${filterKey}|${before ?? ''}`;

  const [actions, setActions] = useState<Load<string[]>>({ state: 'loading' });
  const [result, setResult] = useState<{ key: string; load: Load<AuditPageData> }>({ key: '', load: { state: 'loading' } });

  useEffect(() => {
    const controller = new AbortController();
    auditActions(controller.signal).then(
      (value) => setActions({ state: 'ok', value }),
      (err: unknown) => {
        if (!isAbort(err)) setActions(failure(err));
      },
    );
    return () => controller.abort();
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    setResult({ key: searchKey, load: { state: 'loading' } });
    searchAudit(filters, before, controller.signal).then(
      (value) => setResult({ key: searchKey, load: { state: 'ok', value } }),
      (err: unknown) => {
        if (!isAbort(err)) setResult({ key: searchKey, load: failure(err) });
      },
    );
    return () => controller.abort();
    // searchKey covers filters and before.
  }, [searchKey]);

  const load: Load<AuditPageData> = result.key === searchKey ? result.load : { state: 'loading' };

  const applyFilters = (next: AuditFilters) => {
    navigate('/audit', { query: activeFilters(next) });
  };
  const showNewest = () => navigate('/audit', { query: activeFilters(filters) });
  const showOlder = (nextBefore: number) =>
    navigate('/audit', { query: { ...activeFilters(filters), before: String(nextBefore), page: String(page + 1) } });

  if (load.state === 'forbidden' || actions.state === 'forbidden') {
    return (
      <section className="card" aria-labelledby="audit-title">
        <h1 id="audit-title">{t('audit.title')}</h1>
        <p className="alert alert--error" role="alert" data-testid="audit-forbidden">
          {t('audit.forbidden')}
        </p>
      </section>
    );
  }

  return (
    <div className="stack">
      <section aria-labelledby="audit-title">
        <h1 id="audit-title">{t('audit.title')}</h1>
        <p className="muted">{t('audit.intro')}</p>
      </section>

      <ChainStatus />

      <FilterForm
        key={filterKey}
        initial={filters}
        actions={actions.state === 'ok' ? actions.value : []}
        onApply={applyFilters}
      />

      <section className="card" aria-labelledby="audit-export-title">
        <h2 id="audit-export-title">{t('audit.export.title')}</h2>
        <p className="muted small">{t('audit.export.hint')}</p>
        <div className="button-row">
          <a className="button" href={exportUrl('csv', filters)} download data-testid="audit-export-csv">
            {t('audit.export.csv')}
          </a>
          <a className="button" href={exportUrl('json', filters)} download data-testid="audit-export-json">
            {t('audit.export.json')}
          </a>
        </div>
      </section>

      <section className="card" aria-labelledby="audit-results-title">
        <h2 id="audit-results-title" className="visually-hidden">
          {t('audit.table.caption')}
        </h2>
        <AuditResults load={load} page={page} atNewest={before === null} onNewest={showNewest} onOlder={showOlder} />
      </section>
    </div>
  );
}

function ChainStatus() {
  const { t } = useI18n();
  const [report, setReport] = useState<Load<ChainReport>>({ state: 'loading' });
  const [round, setRound] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setReport({ state: 'loading' });
    verifyChain(controller.signal).then(
      (value) => setReport({ state: 'ok', value }),
      (err: unknown) => {
        if (!isAbort(err)) setReport(failure(err));
      },
    );
    return () => controller.abort();
  }, [round]);

  let tone = 'neutral';
  let heading: string;
  let detail: string | null = null;
  switch (report.state) {
    case 'loading':
      heading = t('audit.chain.checking');
      break;
    case 'ok':
      if (report.value.intact) {
        tone = 'ok';
        heading = t('audit.chain.intact');
        detail = t('audit.chain.intactDetail', { count: report.value.entries_checked, seq: report.value.head_seq });
      } else {
        tone = 'bad';
        heading = t('audit.chain.broken');
        const broken = report.value.first_break;
        detail = broken ? t('audit.chain.brokenDetail', { seq: broken.seq, reason: broken.reason }) : null;
      }
      break;
    case 'forbidden':
    case 'error':
      tone = 'bad';
      heading = t('audit.chain.error');
      detail = report.state === 'error' && report.detail ? t('common.serverSays', { detail: report.detail }) : null;
      break;
  }

  return (
    <section
      className={`card chain-status chain-status--${tone}`}
      aria-labelledby="chain-status-title"
      data-testid="chain-status"
      data-state={report.state === 'ok' ? (report.value.intact ? 'intact' : 'broken') : report.state}
    >
      <h2 id="chain-status-title" className="chain-status__title">
        {t('audit.chain.title')}
      </h2>
      <div role="status" className="chain-status__body">
        <span className={`indicator indicator--${tone === 'neutral' ? 'unknown' : tone}`} aria-hidden="true" />
        <span>
          <strong data-testid="chain-status-text">{heading}</strong>
          {detail ? <span className="chain-status__detail"> {detail}</span> : null}
        </span>
      </div>
      <button
        type="button"
        className="button button--small"
        onClick={() => {
          setReport({ state: 'loading' });
          setRound((r) => r + 1);
        }}
        disabled={report.state === 'loading'}
        data-testid="chain-recheck"
      >
        {t('audit.chain.recheck')}
      </button>
    </section>
  );
}

interface FilterFormProps {
  initial: AuditFilters;
  actions: readonly string[];
  onApply: (filters: AuditFilters) => void;
}

function FilterForm({ initial, actions, onApply }: FilterFormProps) {
  const { t } = useI18n();
  const [draft, setDraft] = useState<AuditFilters>(initial);
  const [rangeError, setRangeError] = useState(false);
  const ids = { from: useId(), to: useId(), actor: useId(), action: useId(), targetType: useId(), targetId: useId(), error: useId() };

  const set = useCallback(
    (key: keyof AuditFilters) =>
      (event: { target: { value: string } }) => {
        const value = event.target.value;
        setDraft((d) => ({ ...d, [key]: value }));
      },
    [],
  );

  const options = useMemo(() => {
    const list = [...actions];
    if (initial.action && !list.includes(initial.action)) list.push(initial.action);
    return list.sort();
  }, [actions, initial.action]);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const next: AuditFilters = { ...draft };
    if (next.from) next.from = toApiDateTime(next.from);
    if (next.to) next.to = toApiDateTime(next.to);
    if (next.from && next.to && next.from > next.to) {
      setRangeError(true);
      return;
    }
    setRangeError(false);
    onApply(next);
  };

  const onReset = () => {
    setDraft({});
    setRangeError(false);
    onApply({});
  };

  return (
    <section className="card" aria-labelledby="audit-filter-title">
      <h2 id="audit-filter-title">{t('audit.filter.title')}</h2>
      <form className="filter-form" role="search" onSubmit={onSubmit} aria-describedby={rangeError ? ids.error : undefined}>
        <div className="filter-form__grid">
          <div className="field">
            <label htmlFor={ids.from}>{t('audit.filter.from')}</label>
            <input
              id={ids.from}
              type="datetime-local"
              step={1}
              value={draft.from ?? ''}
              onChange={set('from')}
              aria-invalid={rangeError || undefined}
              data-testid="audit-filter-from"
            />
          </div>
          <div className="field">
            <label htmlFor={ids.to}>{t('audit.filter.to')}</label>
            <input
              id={ids.to}
              type="datetime-local"
              step={1}
              value={draft.to ?? ''}
              onChange={set('to')}
              aria-invalid={rangeError || undefined}
              data-testid="audit-filter-to"
            />
          </div>
          <div className="field">
            <label htmlFor={ids.action}>{t('audit.filter.action')}</label>
            <select id={ids.action} value={draft.action ?? ''} onChange={set('action')} data-testid="audit-filter-action">
              <option value="">{t('audit.filter.allActions')}</option>
              {options.map((code) => (
                <option key={code} value={code}>
                  {code}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={ids.actor}>{t('audit.filter.actorId')}</label>
            <input
              id={ids.actor}
              type="text"
              className="mono"
              spellCheck={false}
              autoComplete="off"
              value={draft.actor_id ?? ''}
              onChange={set('actor_id')}
              data-testid="audit-filter-actor"
            />
          </div>
          <div className="field">
            <label htmlFor={ids.targetType}>{t('audit.filter.targetType')}</label>
            <input
              id={ids.targetType}
              type="text"
              spellCheck={false}
              autoComplete="off"
              value={draft.target_type ?? ''}
              onChange={set('target_type')}
              data-testid="audit-filter-target-type"
            />
          </div>
          <div className="field">
            <label htmlFor={ids.targetId}>{t('audit.filter.targetId')}</label>
            <input
              id={ids.targetId}
              type="text"
              className="mono"
              spellCheck={false}
              autoComplete="off"
              value={draft.target_id ?? ''}
              onChange={set('target_id')}
              data-testid="audit-filter-target-id"
            />
          </div>
        </div>
        {rangeError ? (
          <p className="alert alert--error" role="alert" id={ids.error}>
            {t('audit.filter.invalidRange')}
          </p>
        ) : null}
        <div className="button-row">
          <button type="submit" className="button button--primary" data-testid="audit-filter-apply">
            {t('audit.filter.apply')}
          </button>
          <button type="button" className="button" onClick={onReset} data-testid="audit-filter-reset">
            {t('audit.filter.reset')}
          </button>
        </div>
      </form>
    </section>
  );
}

interface AuditResultsProps {
  load: Load<AuditPageData>;
  page: number;
  atNewest: boolean;
  onNewest: () => void;
  onOlder: (before: number) => void;
}

function AuditResults({ load, page, atNewest, onNewest, onOlder }: AuditResultsProps) {
  const { t, locale } = useI18n();
  const format = useMemo(
    () => new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'medium', timeZone: 'UTC' }),
    [locale],
  );

  const entries = load.state === 'ok' ? load.value.entries : [];
  const nextBefore = load.state === 'ok' ? (load.value.next_before ?? null) : null;

  let status: string;
  switch (load.state) {
    case 'loading':
      status = t('audit.loading');
      break;
    case 'ok':
      status = entries.length === 0 ? t('audit.empty') : t('audit.summary', { count: entries.length, page });
      break;
    default:
      status = t('audit.error');
  }

  return (
    <>
      <p
        className={load.state === 'error' ? 'alert alert--error' : 'muted'}
        role="status"
        data-testid="audit-status"
        data-state={load.state}
      >
        {status}
        {load.state === 'error' && load.detail ? ` ${t('common.serverSays', { detail: load.detail })}` : null}
      </p>
      <div className="table-scroll">
        <table className="table audit-table" aria-busy={load.state === 'loading'} data-testid="audit-table">
          <caption className="visually-hidden">{t('audit.table.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('audit.col.seq')}</th>
              <th scope="col">{t('audit.col.time')}</th>
              <th scope="col">{t('audit.col.actor')}</th>
              <th scope="col">{t('audit.col.role')}</th>
              <th scope="col">{t('audit.col.action')}</th>
              <th scope="col">{t('audit.col.target')}</th>
              <th scope="col">{t('audit.col.outcome')}</th>
              <th scope="col">{t('audit.col.details')}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <AuditRow key={entry.id} entry={entry} format={format} />
            ))}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label={t('audit.paging')}>
        <button type="button" className="button" onClick={onNewest} disabled={atNewest} data-testid="audit-newest">
          {t('audit.newest')}
        </button>
        <button
          type="button"
          className="button"
          onClick={() => {
            if (nextBefore !== null) onOlder(nextBefore);
          }}
          disabled={nextBefore === null}
          data-testid="audit-next"
        >
          {t('audit.older')}
        </button>
      </nav>
    </>
  );
}

function AuditRow({ entry, format }: { entry: AuditEntry; format: Intl.DateTimeFormat }) {
  const { t } = useI18n();
  const none = t('common.none');
  const when = parseUtc(entry.occurred_at);
  const actorKey = `audit.actor.${entry.actor_type}`;
  const roleKey = entry.actor_role ? `role.${entry.actor_role}` : null;
  const outcomeKey = `audit.outcome.${entry.outcome}`;
  const hasDetail = entry.detail && typeof entry.detail === 'object' && Object.keys(entry.detail).length > 0;

  return (
    <tr data-testid="audit-row" data-seq={entry.seq} data-action={entry.action}>
      <td className="num">{entry.seq}</td>
      <td className="nowrap">
        {when ? <time dateTime={when.toISOString()}>{format.format(when)}</time> : entry.occurred_at}
      </td>
      <td>
        <span>{isMessageKey(actorKey) ? t(actorKey) : entry.actor_type}</span>
        {entry.actor_id ? (
          <span className="cell-id mono" title={entry.actor_id}>
            {shortId(entry.actor_id)}
          </span>
        ) : null}
      </td>
      <td>{roleKey ? (isMessageKey(roleKey) ? t(roleKey) : entry.actor_role) : none}</td>
      <td>
        <code data-testid="audit-cell-action">{entry.action}</code>
      </td>
      <td>
        <span>{entry.target_type}</span>
        {entry.target_id ? (
          <span className="cell-id mono" title={entry.target_id}>
            {shortId(entry.target_id)}
          </span>
        ) : null}
      </td>
      <td>
        <span className={`outcome outcome--${entry.outcome}`}>
          {isMessageKey(outcomeKey) ? t(outcomeKey) : entry.outcome}
        </span>
      </td>
      <td>
        <details className="audit-details">
          <summary>{t('audit.details.show')}</summary>
          <dl className="audit-details__list">
            <dt>{t('audit.details.entry')}</dt>
            <dd className="mono">{entry.id}</dd>
            <dt>{t('audit.filter.actorId')}</dt>
            <dd className="mono" data-testid="audit-actor-id">
              {entry.actor_id ?? none}
            </dd>
            <dt>{t('audit.filter.targetId')}</dt>
            <dd className="mono">{entry.target_id ?? none}</dd>
            <dt>{t('audit.details.request')}</dt>
            <dd className="mono">{entry.request_id ?? none}</dd>
            <dt>{t('audit.details.ipKey')}</dt>
            <dd className="mono">{entry.ip_key_id ?? none}</dd>
            {hasDetail ? (
              <>
                <dt>{t('audit.details.data')}</dt>
                <dd>
                  <pre className="mono audit-details__json">{JSON.stringify(entry.detail, null, 2)}</pre>
                </dd>
              </>
            ) : null}
          </dl>
        </details>
      </td>
    </tr>
  );
}
