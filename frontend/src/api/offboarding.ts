import { api, attachmentName, requestSignal, SLOW_REQUEST_TIMEOUT_MS, unwrap } from './client';
import type { components } from './schema';

/**
 * The tenant's end of contract (TOM DEL-1, DEL-2; issue #8): its offboarding
 * status (tenant admins, `offboarding.read`), the start (primary tenant admins,
 * `offboarding.start`) and the export archive during the 30-day window.
 * Staff cookie session + CSRF.
 */

/** `active`, `read_only` (offboarding started: the export window) or `offboarded`. */
export type OffboardingStatus = components['schemas']['OffboardingStatus'];

/** Days the export archive stays available after the start (`ARCHIVE_WINDOW_DAYS` on the server). */
export const ARCHIVE_WINDOW_DAYS = 30;

const init = (signal?: AbortSignal) => ({ signal: requestSignal(signal), cache: 'no-store' as const });

/** `GET /api/v1/tenant/offboarding`. Throws ApiError (403 for everyone but tenant and partner admins). */
export async function getOffboarding(signal?: AbortSignal): Promise<OffboardingStatus> {
  return unwrap(await api.GET('/api/v1/tenant/offboarding', init(signal)));
}

/**
 * `POST /api/v1/tenant/offboarding` with the tenant's slug typed again. The
 * tenant turns read-only at once; it cannot be undone. Throws ApiError (403 not
 * the primary tenant admin, 409 `offboarding_started` / `tenant_offboarded` /
 * `tenant_not_active`, 422 `confirm_slug`).
 */
export async function startOffboarding(confirmSlug: string): Promise<OffboardingStatus> {
  return unwrap(await api.POST('/api/v1/tenant/offboarding', { body: { confirm_slug: confirmSlug }, ...init() }));
}

/**
 * `GET /api/v1/tenant/offboarding/archive`: the tar with one JSON and one CSV
 * per table and the signed manifest (every download is audited). Throws
 * ApiError (409 `not_offboarding` before the start, `tenant_offboarded` after the window).
 */
export async function downloadArchive(): Promise<{ blob: Blob; filename: string }> {
  const result = await api.GET('/api/v1/tenant/offboarding/archive', {
    signal: requestSignal(undefined, SLOW_REQUEST_TIMEOUT_MS),
    cache: 'no-store',
    parseAs: 'blob',
  });  return { blob: unwrap(result), filename: attachmentName(result.response) ?? 'export.tar' };
}
