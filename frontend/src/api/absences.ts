import { api, requestSignal, unwrap } from './client';
import type { components } from './schema';

/**
 * Absences (issue 21): staff mark a booked person's absence from a session
 * (excused with a reason, or unexcused), read absence rates per course and set
 * its threshold; participants report an absence ahead in the portal.
 */

/** One recorded absence: `excused`, `reason` (`ill` / `other`), a short note, who reported it. */
export type Absence = components['schemas']['AbsenceView'];
export type AbsenceReason = components['schemas']['AbsenceReason'];
export type AbsenceSettings = components['schemas']['AbsenceSettings'];
export type EventAbsences = components['schemas']['EventAbsences'];
export type PersonAbsences = components['schemas']['PersonAbsences'];
export type PortalAbsence = components['schemas']['PortalAbsence'];

export const ABSENCE_REASONS: readonly AbsenceReason[] = ['ill', 'other'];
/** The longest note the server takes (characters). */
export const ABSENCE_NOTE_MAX = 200;

const init = (signal?: AbortSignal) => ({ signal: requestSignal(signal), cache: 'no-store' as const });

/** Throws ApiError (422 invalid_field, 404). */
export async function setAbsence(
  sessionId: string,
  bookingId: string,
  excused: boolean,
  reason: AbsenceReason | null,
  note: string,
): Promise<Absence> {
  return unwrap(await api.PUT('/api/v1/event-sessions/{id}/absences', {
    params: { path: { id: sessionId } },
    body: { booking_id: bookingId, excused, reason: excused ? reason : null, note },
    ...init(),
  }));
}

export async function getEventAbsences(eventId: string, signal?: AbortSignal): Promise<EventAbsences> {
  return unwrap(await api.GET('/api/v1/events/{id}/absences', { params: { path: { id: eventId } }, ...init(signal) }));
}

/** Throws ApiError (422 invalid_field). */
export async function setAbsenceSettings(eventId: string, settings: AbsenceSettings): Promise<AbsenceSettings> {
  return unwrap(await api.PUT('/api/v1/events/{id}/absence-settings', {
    params: { path: { id: eventId } },
    body: settings,
    ...init(),
  }));
}

function bearer(token: string, signal?: AbortSignal) {
  return {
    headers: { Authorization: `Bearer ${token}` },
    credentials: 'omit' as const,
    signal: requestSignal(signal),
    cache: 'no-store' as const,
  };
}

export async function listPortalAbsences(token: string, signal?: AbortSignal): Promise<PortalAbsence[]> {
  return unwrap(await api.GET('/api/v1/portal/absences', bearer(token, signal)));
}

/** Throws ApiError (409 absence_too_late / already_recorded, 404, 422). */
export async function reportAbsence(token: string, sessionId: string, reason: AbsenceReason, note: string): Promise<PortalAbsence> {
  return unwrap(await api.POST('/api/v1/portal/absences', {
    body: { session_id: sessionId, reason, note },
    ...bearer(token),
  }));
}
