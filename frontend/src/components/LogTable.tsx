import { useMemo, type ReactNode } from 'react';
import { parseUtc, shortId } from '../format';
import { isMessageKey, useI18n, type MessageKey } from '../i18n';
import { useTimeZone } from '../timeZone';
import type { Load } from '../load';

interface LogTableProps {
  /** Prefix of the test ids and the table class: `${name}-status`, `${name}-table`. */
  name: string;
  load: Load<unknown>;
  /** The status line above the table (loading, summary, error). */
  status: string;
  caption: MessageKey;
  columns: readonly MessageKey[];
  /** The rows. */
  children: ReactNode;
}

/**
 * The results of the log pages: a status line (with the server's reason on
 * errors) and a scrollable table with a caption and column headers.
 */
export function LogTable({ name, load, status, caption, columns, children }: LogTableProps) {
  const { t } = useI18n();
  return (
    <>
      <p
        className={load.state === 'error' ? 'alert alert--error' : 'muted'}
        role="status"
        data-testid={`${name}-status`}
        data-state={load.state}
      >
        {status}
        {load.state === 'error' && load.detail ? ` ${t('common.serverSays', { detail: load.detail })}` : null}
      </p>
      <div className="table-scroll" tabIndex={0}>
        <table className={`table ${name}-table`} aria-busy={load.state === 'loading'} data-testid={`${name}-table`}>
          <caption className="visually-hidden">{t(caption)}</caption>
          <thead>
            <tr>
              {columns.map((column) => (
                <th key={column} scope="col">
                  {t(column)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>{children}</tbody>
        </table>
      </div>
    </>
  );
}

/** Date and time in the tenant's time zone, short, for the tables (issue 23). */
export function useTenantTimeFormat(): Intl.DateTimeFormat {
  const { locale } = useI18n();
  const timeZone = useTimeZone();
  return useMemo(() => new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'medium', timeZone }), [locale, timeZone]);
}

/** A table cell with a server time (UTC), shown as the format says; the raw value if it does not parse. */
export function TimeCell({ value, format }: { value: string; format: Intl.DateTimeFormat }) {
  const when = parseUtc(value);
  return <td className="nowrap">{when ? <time dateTime={when.toISOString()}>{format.format(when)}</time> : value}</td>;
}

/** A short id (the full one in `title`), or nothing. */
export function ShortId({ id }: { id: string | null | undefined }) {
  if (!id) return null;
  return (
    <span className="cell-id mono" title={id}>
      {shortId(id)}
    </span>
  );
}

/** A table cell with who acted: the actor type and, if known, the short actor id. */
export function ActorCell({ type, id }: { type: string; id: string | null | undefined }) {
  const { t } = useI18n();
  const key = `audit.actor.${type}`;
  return (
    <td>
      <span>{isMessageKey(key) ? t(key) : type}</span>
      <ShortId id={id} />
    </td>
  );
}
