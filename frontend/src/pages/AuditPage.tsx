import { useMemo } from 'react';
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
} from '../api/audit';
import { ExportLinks } from '../components/ExportLinks';
import { LogPage, LogResultsCard } from '../components/LogPage';
import { ActorCell, LogTable, ShortId, TimeCell, useTenantTimeFormat } from '../components/LogTable';
import { RequireAuth } from '../components/RequireAuth';
import { FilterField, TextFilterField, TimeRangeFilterForm } from '../components/TimeRangeFilterForm';
import { isMessageKey, useI18n, type MessageKey } from '../i18n';
import { filtersFromQuery, useKeyedLoad, useRound, type Load } from '../load';
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

function positiveInt(value: string | null): number | null {
  if (!value || !/^\d+$/.test(value)) return null;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : null;
}

function AuditView() {
  const { query } = useHashLocation();

  const filters: AuditFilters = useMemo(() => filtersFromQuery(query, FILTER_KEYS), [query]);
  const before = positiveInt(query.get('before'));
  const page = positiveInt(query.get('page')) ?? 1;
  const filterKey = new URLSearchParams(activeFilters(filters)).toString();
  const searchKey = `${filterKey}|${before ?? ''}`;

  const actions = useKeyedLoad('audit-actions', auditActions);

  // searchKey covers filters and before.
  const load = useKeyedLoad<AuditPageData>(searchKey, (signal) => searchAudit(filters, before, signal));

  const applyFilters = (next: AuditFilters) => {
    navigate('/audit', { query: activeFilters(next) });
  };
  const showNewest = () => navigate('/audit', { query: activeFilters(filters) });
  const showOlder = (nextBefore: number) =>
    navigate('/audit', { query: { ...activeFilters(filters), before: String(nextBefore), page: String(page + 1) } });

  return (
    <LogPage
      name="audit"
      title="audit.title"
      intro="audit.intro"
      forbidden={load.state === 'forbidden' || actions.state === 'forbidden'}
      forbiddenMessage="audit.forbidden"
    >
      <ChainStatus />

      <FilterForm
        key={filterKey}
        initial={filters}
        actions={actions.state === 'ok' ? actions.value : []}
        onApply={applyFilters}
      />

      <ExportLinks
        name="audit"
        title="audit.export.title"
        hint="audit.export.hint"
        url={(format) => exportUrl(format, filters)}
      />

      <LogResultsCard name="audit" heading="audit.table.caption">
        <AuditResults load={load} page={page} atNewest={before === null} onNewest={showNewest} onOlder={showOlder} />
      </LogResultsCard>
    </LogPage>
  );
}

function ChainStatus() {
  const { t } = useI18n();
  const [round, recheck] = useRound();
  const report = useKeyedLoad(`audit-chain:${round}`, verifyChain);

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
          recheck();
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

/** The free-text filters after the action, in this order. */
const TEXT_FILTERS = [
  { key: 'actor_id', label: 'audit.filter.actorId', testId: 'audit-filter-actor', mono: true },
  { key: 'target_type', label: 'audit.filter.targetType', testId: 'audit-filter-target-type', mono: false },
  { key: 'target_id', label: 'audit.filter.targetId', testId: 'audit-filter-target-id', mono: true },
] as const satisfies readonly { key: keyof AuditFilters; label: MessageKey; testId: string; mono: boolean }[];

function FilterForm({ initial, actions, onApply }: FilterFormProps) {
  const { t } = useI18n();

  const options = useMemo(() => {
    const list = [...actions];
    if (initial.action && !list.includes(initial.action)) list.push(initial.action);
    return list.sort();
  }, [actions, initial.action]);

  return (
    <TimeRangeFilterForm name="audit" initial={initial} onApply={onApply}>
      {(draft, set) => (
        <>
          <ActionField
            label={t('audit.filter.action')}
            value={draft.action}
            onChange={set('action')}
            options={options}
          />
          {TEXT_FILTERS.map(({ key, label, testId, mono }) => (
            <TextFilterField
              key={key}
              label={t(label)}
              value={draft[key]}
              onChange={set(key)}
              testId={testId}
              mono={mono}
            />
          ))}
        </>
      )}
    </TimeRangeFilterForm>
  );
}

interface ActionFieldProps {
  label: string;
  value: string | undefined;
  onChange: (event: { target: { value: string } }) => void;
  options: readonly string[];
}

function ActionField({ label, value, onChange, options }: ActionFieldProps) {
  const { t } = useI18n();
  return (
    <FilterField label={label}>
      {(id) => (
        <select id={id} value={value ?? ''} onChange={onChange} data-testid="audit-filter-action">
          <option value="">{t('audit.filter.allActions')}</option>
          {options.map((code) => (
            <option key={code} value={code}>
              {code}
            </option>
          ))}
        </select>
      )}
    </FilterField>
  );
}

interface AuditResultsProps {
  load: Load<AuditPageData>;
  page: number;
  atNewest: boolean;
  onNewest: () => void;
  onOlder: (before: number) => void;
}

const AUDIT_COLUMNS = [
  'audit.col.seq',
  'audit.col.time',
  'audit.col.actor',
  'audit.col.role',
  'audit.col.action',
  'audit.col.target',
  'audit.col.outcome',
  'audit.col.details',
] as const satisfies readonly MessageKey[];

function AuditResults({ load, page, atNewest, onNewest, onOlder }: AuditResultsProps) {
  const { t } = useI18n();
  const format = useTenantTimeFormat();

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
      <LogTable name="audit" load={load} status={status} caption="audit.table.caption" columns={AUDIT_COLUMNS}>
        {entries.map((entry) => (
          <AuditRow key={entry.id} entry={entry} format={format} />
        ))}
      </LogTable>
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
  const roleKey = entry.actor_role ? `role.${entry.actor_role}` : null;
  const outcomeKey = `audit.outcome.${entry.outcome}`;
  const hasDetail = entry.detail && typeof entry.detail === 'object' && Object.keys(entry.detail).length > 0;

  return (
    <tr data-testid="audit-row" data-seq={entry.seq} data-action={entry.action}>
      <td className="num">{entry.seq}</td>
      <TimeCell value={entry.occurred_at} format={format} />
      <ActorCell type={entry.actor_type} id={entry.actor_id} />
      <td>{roleKey ? (isMessageKey(roleKey) ? t(roleKey) : entry.actor_role) : none}</td>
      <td>
        <code data-testid="audit-cell-action">{entry.action}</code>
      </td>
      <td>
        <span>{entry.target_type}</span>
        <ShortId id={entry.target_id} />
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
