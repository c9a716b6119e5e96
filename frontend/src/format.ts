import { currentTimeZone, instantToZoned, zonedToInstant } from './timeZone';

/**
 * Shared formatting of server values for the log pages (audit log, deletion
 * log). The server answers RFC 3339 in UTC (`YYYY-MM-DDTHH:MM:SSZ`); the
 * datetime-local filter fields are read as UTC too.
 */

/** `YYYY-MM-DDTHH:MM` or `…:SS` (datetime-local) → `YYYY-MM-DDTHH:MM:SS`; '' stays ''. */
export function toApiDateTime(value: string): string {
  const v = value.trim();
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v)) return `${v}:00`;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(v)) return v;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+$/.test(v)) return v.slice(0, 19);
  return v;
}

/** Server time `YYYY-MM-DDTHH:MM:SS(.ffffff)Z` (UTC) → Date. */
export function parseUtc(value: string): Date | null {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d{1,9})?/.exec(value);
  if (!m) return null;
  const fraction = m[3] ? m[3].slice(0, 4) : '';
  const date = new Date(`${m[1]}T${m[2]}${fraction}Z`);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * Ids are UUIDv7: their first digits are a timestamp shared by entries of the
 * same time, so tables show the random tail (the full id goes in `title`).
 */
export function shortId(id: string): string {
  return id.length > 12 ? `…${id.slice(-8)}` : id;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Server time (UTC) → the value of a datetime-local input in the tenant's time
 * zone (`YYYY-MM-DDTHH:MM`; the browser's without one); '' for null or a value
 * that does not parse. Event times are entered and shown in the tenant's zone,
 * sent and stored in UTC (issue 23).
 */
export function utcToLocalInput(value: string | null | undefined): string {
  const date = value ? parseUtc(value) : null;
  if (!date) return '';
  const zone = currentTimeZone();
  if (zone) {
    const wall = instantToZoned(zone, date);
    return `${wall.getUTCFullYear()}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}T${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}`;
  }
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A datetime-local value (the tenant's time zone) → server time in UTC (`YYYY-MM-DDTHH:MM:SS`); null if empty or invalid. */
export function localInputToUtc(value: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  const zone = currentTimeZone();
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? '0')] as const;
  const date = zone ? zonedToInstant(zone, ...parts) : new Date(...parts);
  if (Number.isNaN(date.getTime())) return null;
  return date.toISOString().slice(0, 19);
}
