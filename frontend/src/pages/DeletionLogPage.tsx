import { useMemo } from 'react';
import {
  activeDeletionFilters,
  DELETION_FILTER_KEYS,
  deletionExportUrl,
  listDeletions,
  type DeletionEntry,
  type DeletionFilters,
} from '../api/deletionLog';
import { ExportLinks } from '../components/ExportLinks';
import { LogPage, LogResultsCard } from '../components/LogPage';
import { ActorCell, LogTable, TimeCell, useTenantTimeFormat } from '../components/LogTable';
import { RequireAuth } from '../components/RequireAuth';
import { TimeRangeFilterForm } from '../components/TimeRangeFilterForm';
import { useI18n, type MessageKey } from '../i18n';
import { filtersFromQuery, useKeyedLoad, type Load } from '../load';
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

function DeletionLogView() {
  const { query } = useHashLocation();

  const filters: DeletionFilters = useMemo(() => filtersFromQuery(query, DELETION_FILTER_KEYS), [query]);
  const filterKey = new URLSearchParams(activeDeletionFilters(filters)).toString();

  // filterKey covers filters.
  const load = useKeyedLoad<DeletionEntry[]>(filterKey, (signal) => listDeletions(filters, signal));

  const applyFilters = (next: DeletionFilters) => {
    navigate('/deletion-log', { query: activeDeletionFilters(next) });
  };

  return (
    <LogPage
      name="deletion"
      title="deletion.title"
      intro="deletion.intro"
      introTestId="deletion-intro"
      forbidden={load.state === 'forbidden'}
      forbiddenMessage="deletion.forbidden"
    >
      <TimeRangeFilterForm key={filterKey} name="deletion" initial={filters} onApply={applyFilters} />

      <ExportLinks
        name="deletion"
        title="deletion.export.title"
        hint="deletion.export.hint"
        url={(format) => deletionExportUrl(format, filters)}
      />

      <LogResultsCard name="deletion" heading="deletion.table.caption">
        <DeletionResults load={load} filtered={filterKey !== ''} />
      </LogResultsCard>
    </LogPage>
  );
}

const DELETION_COLUMNS = [
  'deletion.col.time',
  'deletion.col.category',
  'deletion.col.count',
  'deletion.col.reasonCode',
  'deletion.col.reasonText',
  'deletion.col.legalBasis',
  'deletion.col.actor',
  'deletion.col.subject',
] as const satisfies readonly MessageKey[];

function DeletionResults({ load, filtered }: { load: Load<DeletionEntry[]>; filtered: boolean }) {
  const { t, locale } = useI18n();
  const format = useTenantTimeFormat();
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
    <LogTable name="deletion" load={load} status={status} caption="deletion.table.caption" columns={DELETION_COLUMNS}>
      {entries.map((entry) => (
        <DeletionRow key={entry.id} entry={entry} format={format} count={count} />
      ))}
    </LogTable>
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

  return (
    <tr data-testid="deletion-row" data-id={entry.id} data-category={entry.category}>
      <TimeCell value={entry.occurred_at} format={format} />
      <td>
        <code>{entry.category}</code>
      </td>
      <td className="num">{count.format(entry.record_count)}</td>
      <td>
        <code>{entry.reason_code}</code>
      </td>
      <td className="cell-text">{entry.reason_text || none}</td>
      <td>{entry.legal_basis}</td>
      <ActorCell type={entry.actor_type} id={entry.actor_id} />
      <td>{entry.subject_ref ? <span className="cell-id mono">{entry.subject_ref}</span> : none}</td>
    </tr>
  );
}
