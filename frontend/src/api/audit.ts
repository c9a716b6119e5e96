import { api, requestSignal, SLOW_REQUEST_TIMEOUT_MS, unwrap } from './client';
import type { components } from './schema';

/** One page of `GET /api/v1/audit` (newest first). */
export type AuditPage = components['schemas']['AuditPage'];
export type AuditEntry = components['schemas']['AuditEntry'];
/** Answer of `GET /api/v1/audit/verify`. */
export type ChainReport = components['schemas']['VerifyReport'];

/** The filters of the audit search and export (all optional). */
export interface AuditFilters {
  /** UTC, `YYYY-MM-DDTHH:MM:SS` (no zone). */
  from?: string;
  /** UTC, `YYYY-MM-DDTHH:MM:SS` (no zone). */
  to?: string;
  actor_id?: string;
  action?: string;
  target_type?: string;
  target_id?: string;
}

export const FILTER_KEYS = ['from', 'to', 'actor_id', 'action', 'target_type', 'target_id'] as const satisfies readonly (keyof AuditFilters)[];

/** Entries per page. */
export const AUDIT_PAGE_SIZE = 50;

/** Only the filters that are set. */
export function activeFilters(filters: AuditFilters): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of FILTER_KEYS) {
    const value = filters[key]?.trim();
    if (value) out[key] = value;
  }
  return out;
}

/** Query of `GET /api/v1/audit` as the API contract defines it. */
interface AuditQuery extends AuditFilters {
  before?: number;
  limit?: number;
}

export async function searchAudit(filters: AuditFilters, before: number | null, signal?: AbortSignal): Promise<AuditPage> {
  const query: AuditQuery = { ...activeFilters(filters), limit: AUDIT_PAGE_SIZE };
  if (before !== null) query.before = before;
  return unwrap(await api.GET('/api/v1/audit', {
    params: { query },
    signal: requestSignal(signal, SLOW_REQUEST_TIMEOUT_MS),
    cache: 'no-store',
  }));
}

export async function auditActions(signal?: AbortSignal): Promise<string[]> {
  return unwrap(await api.GET('/api/v1/audit/actions', {
    signal: requestSignal(signal),
    cache: 'no-store',
  })).actions;
}

export async function verifyChain(signal?: AbortSignal): Promise<ChainReport> {
  return unwrap(await api.GET('/api/v1/audit/verify', {
    signal: requestSignal(signal, SLOW_REQUEST_TIMEOUT_MS),
    cache: 'no-store',
  }));
}

/**
 * URL of a signed export with the given filters. A plain link: the browser
 * sends the session cookie along, a GET needs no CSRF token, and the server's
 * Content-Disposition names the file.
 */
export function exportUrl(format: 'csv' | 'json', filters: AuditFilters): string {
  const params = new URLSearchParams({ format, ...activeFilters(filters) });
  return `/api/v1/audit/export?${params.toString()}`;
}
