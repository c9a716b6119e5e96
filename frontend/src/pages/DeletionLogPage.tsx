import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import {
  activeDeletionFilters,
  DELETION_FILTER_KEYS,
  deletionExportUrl,
  listDeletions,
  type DeletionEntry,
  type DeletionFilters,
} from '../api/deletionLog';
import { ApiError, isAbort } from '../api/client';
import { handleAuthError } from '../auth';
import { RequireAuth } from '../components/RequireAuth';
import { parseUtc, shortId, toApiDateTime } from '../format';
import { isMessageKey, useI18n } from '../i18n';
import { navigate, useHashLocation } from '../router';

/**
 * TOM PRIV-4 / DEL-3: the tenant's deletion log for tenant admins — what was
 * deleted, how much, why and on which legal basis, by whom and when; never
 * the deleted personal data. Filter by time and download signed exports.
 *
 * The filters live in the route's query (`#/deletion-log?from=…&to=…`), so
 * reload and back/forward keep the view; the fragment never reaches the
 * server.
 */
export function DeletionLogPage() {
  return <RequireAuth>{() => <DeletionLogView />}</RequireAuth>;
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

function filtersFrom(query: URLSearchParams): DeletionFilters {
  const filters: DeletionFilters = {};
  for (const key of DELETION_FILTER_KEYS) {
    const value = query.get(key);
    if (value) filters[key] = value;
  }
  return filters;
}

function DeletionLogView() {
  const { t } = useI18n();
  const { query } = useHashLocation();

  const filters = useMemo(() => filtersFrom(query), [query]);
  const filterKey = new URLSearchParams(activeDeletionFilters(filters)).toString();

  const [result, setResult] = useState<{ key: string; load: Load<DeletionEntry[]> }>({
    key: '',
    load: { state: 'loading' },
  });

  useEffect(() => {
    const controller = new AbortController();
    setResult({ key: filterKey, load: { state: 'loading' } });
    listDeletions(filters, controller.signal).then(
      (value) => setResult({ key: filterKey, load: { state: 'ok', value } }),
      (err: unknown) => {
        if (!isAbort(err)) setResult({ key: filterKey, load: failure(err) });
      },
    );
    return () => controller.abort();
    // filterKey covers filters.
  }, [filterKey]);

  const load: Load<DeletionEntry[]> = result.key === filterKey ? result.load : { state: 'loading' };

  const applyFilters = (next: DeletionFilters) => {
    navigate('/deletion-log', { query: activeDeletionFilters(next) });
  };

  if (load.state === 'forbidden') {
    return (
      <section className="card" aria-labelledby="deletion-title">
        <h1 id="deletion-title">{t('deletion.title')}</h1>
        <p className="alert alert--error" role="alert" data-testid="deletion-forbidden">
          {t('deletion.forbidden')}
        </p>
      </section>
    );
  }

  return (
    <div className="stack">
      <section aria-labelledby="deletion-title">
        <h1 id="deletion-title">{t('deletion.title')}</h1>
        <p className="muted" data-testid="deletion-intro">
          {t('deletion.intro')}
        </p>
      </section>

      <FilterForm key={filterKey} initial={filters} onApply={applyFilters} />

      <section className="card" aria-labelledby="deletion-export-title">
        <h2 id="deletion-export-title">{t('deletion.export.title')}</h2>
        <p className="muted small">{t('deletion.export.hint')}</p>
        <div className="button-row">
          <a className="button" href={deletionExportUrl('csv', filters)} download data-testid="deletion-export-csv">
            {t('audit.export.csv')}
          </a>
          <a className="button" href={deletionExportUrl('json', filters)} download data-testid="deletion-export-json">
            {t('audit.export.json')}
          </a>
        </div>
      </section>

      <section className="card" aria-labelledby="deletion-results-title">
        <h2 id="deletion-results-title" className="visually-hidden">
          {t('deletion.table.caption')}
        </h2>
        <DeletionResults load={load} filtered={filterKey !== ''} />
      </section>
    </div>
  );
}

interface FilterFormProps {
  initial: DeletionFilters;
  onApply: (filters: DeletionFilters) => void;
}

function FilterForm({ initial, onApply }: FilterFormProps) {
  const { t } = useI18n();
  const [draft, setDraft] = useState<DeletionFilters>(initial);
  const [rangeError, setRangeError] = useState(false);
  const ids = { from: useId(), to: useId(), error: useId() };

  const set = (key: keyof DeletionFilters) => (event: { target: { value: string } }) => {
    const value = event.target.value;
    setDraft((d) => ({ ...d, [key]: value }));
  };

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const next: DeletionFilters = { ...draft };
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
    <section className="card" aria-labelledby="deletion-filter-title">
      <h2 id="deletion-filter-title">{t('audit.filter.title')}</h2>
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
              data-testid="deletion-filter-from"
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
              data-testid="deletion-filter-to"
            />
          </div>
        </div>
        {rangeError ? (
          <p className="alert alert--error" role="alert" id={ids.error}>
            {t('audit.filter.invalidRange')}
          </p>
        ) : null}
        <div className="button-row">
          <button type="submit" className="button button--primary" data-testid="deletion-filter-apply">
            {t('audit.filter.apply')}
          </button>
          <button type="button" className="button" onClick={onReset} data-testid="deletion-filter-reset">
            {t('audit.filter.reset')}
          </button>
        </div>
      </form>
    </section>
  );
}

function DeletionResults({ load, filtered }: { load: Load<DeletionEntry[]>; filtered: boolean }) {
  const { t, locale } = useI18n();
  const format = useMemo(
    () => new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'medium', timeZone: 'UTC' }),
    [locale],
  );
  const count = useMemo(() => new Intl.NumberFormat(locale), [locale]);

  const entries = load.state === 'ok' ? load.value : [];

  if (load.state === 'ok' && entries.length === 0) {
    return (
      <p className="muted" role="status" data-testid="deletion-empty">
        {filtered ? t('deletion.emptyFiltered') : t('deletion.empty')}
      </p>
    );
  }

  let status: string;
  switch (load.state) {
    case 'loading':
      status = t('deletion.loading');
      break;
    case 'ok':
      status = t('deletion.summary', { count: entries.length });
      break;
    default:
      status = t('deletion.error');
  }

  return (
    <>
      <p
        className={load.state === 'error' ? 'alert alert--error' : 'muted'}
        role="status"
        data-testid="deletion-status"
        data-state={load.state}
      >
        {status}
        {load.state === 'error' && load.detail ? ` ${t('common.serverSays', { detail: load.detail })}` : null}
      </p>
      <div className="table-scroll">
        <table className="table deletion-table" aria-busy={load.state === 'loading'} data-testid="deletion-table">
          <caption className="visually-hidden">{t('deletion.table.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('deletion.col.time')}</th>
              <th scope="col">{t('deletion.col.category')}</th>
              <th scope="col">{t('deletion.col.count')}</th>
              <th scope="col">{t('deletion.col.reasonCode')}</th>
              <th scope="col">{t('deletion.col.reasonText')}</th>
              <th scope="col">{t('deletion.col.legalBasis')}</th>
              <th scope="col">{t('deletion.col.actor')}</th>
              <th scope="col">{t('deletion.col.subject')}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <DeletionRow key={entry.id} entry={entry} format={format} count={count} />
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

interface DeletionRowProps {
  entry: DeletionEntry;
  format: Intl.DateTimeFormat;
  count: Intl.NumberFormat;
}

function DeletionRow({ entry, format, count }: DeletionRowProps) {
  const { t } = useI18n();
  const none = t('common.none');
  const when = parseUtc(entry.occurred_at);
  const actorKey = `audit.actor.${entry.actor_type}`;

  return (
    <tr data-testid="deletion-row" data-id={entry.id} data-category={entry.category}>
      <td className="nowrap">
        {when ? <time dateTime={when.toISOString()}>{format.format(when)}</time> : entry.occurred_at}
      </td>
      <td>
        <code>{entry.category}</code>
      </td>
      <td className="num">{count.format(entry.record_count)}</td>
      <td>
        <code>{entry.reason_code}</code>
      </td>
      <td className="cell-text">{entry.reason_text || none}</td>
      <td>{entry.legal_basis}</td>
      <td>
        <span>{isMessageKey(actorKey) ? t(actorKey) : entry.actor_type}</span>
        {entry.actor_id ? (
          <span className="cell-id mono" title={entry.actor_id}>
            {shortId(entry.actor_id)}
          </span>
        ) : null}
      </td>
      <td>{entry.subject_ref ? <span className="cell-id mono">{entry.subject_ref}</span> : none}</td>
    </tr>
  );
}
