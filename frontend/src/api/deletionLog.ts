import { api, requestSignal, SLOW_REQUEST_TIMEOUT_MS, unwrap } from './client';
import type { components } from './schema';

/**
 * One entry of the deletion log (TOM PRIV-4, DEL-3): what was deleted, how
 * much, why and on which legal basis — never the deleted personal data.
 */
export type DeletionEntry = components['schemas']['Deletion'];

/** The filters of the deletion log and its export (both optional). */
export interface DeletionFilters {
  /** UTC, `YYYY-MM-DDTHH:MM:SS` (no zone). */
  from?: string;
  /** UTC, `YYYY-MM-DDTHH:MM:SS` (no zone). */
  to?: string;
}

export const DELETION_FILTER_KEYS = ['from', 'to'] as const satisfies readonly (keyof DeletionFilters)[];

/** Only the filters that are set. */
export function activeDeletionFilters(filters: DeletionFilters): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of DELETION_FILTER_KEYS) {
    const value = filters[key]?.trim();
    if (value) out[key] = value;
  }
  return out;
}

/** `GET /api/v1/deletion-log`: the tenant's deletions, newest first. */
export async function listDeletions(filters: DeletionFilters, signal?: AbortSignal): Promise<DeletionEntry[]> {
  return unwrap(await api.GET('/api/v1/deletion-log', {
    params: { query: activeDeletionFilters(filters) },
    signal: requestSignal(signal, SLOW_REQUEST_TIMEOUT_MS),
    cache: 'no-store',
  })).deletions;
}

/**
 * URL of a signed export with the given filters. A plain link, like the audit
 * export: the browser sends the session cookie along, a GET needs no CSRF
 * token, and the server's Content-Disposition names the file.
 */
export function deletionExportUrl(format: 'csv' | 'json', filters: DeletionFilters): string {
  const params = new URLSearchParams({ format, ...activeDeletionFilters(filters) });
  return `/api/v1/deletion-log/export?${params.toString()}`;
}
