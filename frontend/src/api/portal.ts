import { api, attachmentName, expectOk, requestSignal, unwrap } from './client';
import type { components } from './schema';

/**
 * The participant portal: every request carries `Authorization: Bearer
 * <token>` from the magic link and no cookie (the browser never sends the
 * header on its own, so no CSRF token is needed); docs/events-api.md.
 * A missing, unknown or expired token answers 401 `unauthenticated`.
 */

export type PortalMe = components['schemas']['PortalMe'];

/** One of the participant's bookings; `status`: confirmed / waiting / cancelled. */
export type PortalBooking = components['schemas']['PortalBooking'];

export type RequestKind = 'correction' | 'erasure' | 'restriction' | 'objection' | 'access';
export const REQUEST_KINDS: readonly RequestKind[] = ['access', 'correction', 'erasure', 'restriction', 'objection'];

/** A data-protection request; `due_at`: one month after receipt. */
export type DataRequest = components['schemas']['RequestView'];

export type UnsubscribeReason = 'too_many' | 'not_relevant' | 'other';
export const UNSUBSCRIBE_REASONS: readonly UnsubscribeReason[] = ['too_many', 'not_relevant', 'other'];

/** A participant's download of everything stored about them (TOM RIGHTS-1). */
export interface DataExport {
  blob: Blob;
  filename: string;
}

function bearer(token: string, signal?: AbortSignal) {
  return {
    headers: { Authorization: `Bearer ${token}` },
    credentials: 'omit' as const,
    signal: requestSignal(signal),
    cache: 'no-store' as const,
  };
}

export async function getPortalMe(token: string, signal?: AbortSignal): Promise<PortalMe> {
  return unwrap(await api.GET('/api/v1/portal/me', bearer(token, signal)));
}

export async function listPortalBookings(token: string, signal?: AbortSignal): Promise<PortalBooking[]> {
  return unwrap(await api.GET('/api/v1/portal/bookings', bearer(token, signal)));
}

export async function cancelPortalBooking(token: string, id: string): Promise<void> {
  expectOk(await api.POST('/api/v1/portal/bookings/{id}/cancel', {
    params: { path: { id } },
    ...bearer(token),
  }));
}

/** Everything stored about the participant, as a file (fetched with the Bearer header, saved from a Blob). */
export async function exportPortalData(token: string, fallbackName: string): Promise<DataExport> {
  const result = await api.GET('/api/v1/portal/export', {
    ...bearer(token, undefined),
    signal: requestSignal(undefined, 30_000),
    parseAs: 'blob',
  });  return { blob: unwrap(result), filename: attachmentName(result.response) ?? fallbackName };
}

export async function listDataRequests(token: string, signal?: AbortSignal): Promise<DataRequest[]> {
  return unwrap(await api.GET('/api/v1/portal/requests', bearer(token, signal)));
}

/** Throws ApiError (422 invalid_field with `field`). */
export async function createDataRequest(token: string, kind: RequestKind, message: string): Promise<DataRequest> {
  return unwrap(await api.POST('/api/v1/portal/requests', {
    body: { kind, message },
    ...bearer(token),
  }));
}

/** No optional mails any more; the reason is recorded (TOM INPUT-6). */
export async function unsubscribe(token: string, reason: UnsubscribeReason, text: string): Promise<boolean> {
  return unwrap(await api.POST('/api/v1/portal/unsubscribe', {
    body: text ? { reason, text } : { reason },
    ...bearer(token),
  })).mail_opt_out;
}

export async function resubscribe(token: string): Promise<boolean> {
  return unwrap(await api.POST('/api/v1/portal/resubscribe', bearer(token))).mail_opt_out;
}

export async function portalLogout(token: string): Promise<void> {
  const result = await api.POST('/api/v1/portal/logout', bearer(token));
  // 401: the token was already gone, which is what signing out wants.
  if (result.response.status !== 401) expectOk(result);
}
