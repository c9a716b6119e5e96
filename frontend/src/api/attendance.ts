import { api, requestSignal, unwrap } from './client';
import type { components } from './schema';

/**
 * Attendance lists, manual check-ins, corrections, the printable records and
 * the kiosk feed (staff, cookie session + CSRF); docs/attendance-api.md.
 */

/** `check_in` or `check_out`. */
export type RecordKind = components['schemas']['AttendanceKind'];

/** Who made a record: `device`, `manual` or `correction`. */
export type RecordSource = components['schemas']['RecordSource'];

/** `present`, `late`, `left_early` or `absent`. */
export type AttendeeStatus = components['schemas']['AttendeeStatus'];

/** One record of the attendance proof: what, when, from where (`source`, `device_name`), by whom, corrections. */
export type AttendanceRecord = components['schemas']['RecordView'];

/** One confirmed booking of the session: `status` is `present`, `late`, `left_early` or `absent`. */
export type Attendee = components['schemas']['AttendeeView'];

export type SessionAttendance = components['schemas']['SessionAttendance'];

export type ParticipantAttendance = components['schemas']['ParticipantAttendance'];

export type Correction = components['schemas']['Correction'];

const init = (signal?: AbortSignal) => ({ signal: requestSignal(signal), cache: 'no-store' as const });
const byId = (id: string, signal?: AbortSignal) => ({ params: { path: { id } }, ...init(signal) });

export async function getSessionAttendance(sessionId: string, signal?: AbortSignal): Promise<SessionAttendance> {
  return unwrap(await api.GET('/api/v1/event-sessions/{id}/attendance', byId(sessionId, signal)));
}

/** The session's records as CSV: a plain link (the browser sends the session cookie; the server names the file). */
export function attendanceCsvUrl(sessionId: string): string {
  return `/api/v1/event-sessions/${encodeURIComponent(sessionId)}/attendance.csv`;
}

/** A manual check-in or check-out, now. Throws ApiError (409 already_recorded, 422, 404). */
export async function recordAttendance(sessionId: string, bookingId: string, kind: RecordKind): Promise<AttendanceRecord> {
  return unwrap(await api.POST('/api/v1/attendance', {
    body: { session_id: sessionId, booking_id: bookingId, kind },
    ...init(),
  }));
}

/** A new record supersedes `recordId`; the original stays in the proof. Throws ApiError (409 already_corrected, 422). */
export async function correctRecord(recordId: string, correction: Correction): Promise<AttendanceRecord> {
  return unwrap(await api.POST('/api/v1/attendance/{id}/correct', { body: correction, ...byId(recordId) }));
}

/** Pen strokes, each `[x0, y0, x1, y1, …]` on the 1000 × 400 field. */
export type Signature = components['schemas']['Signature'];

/** The participant signs their check-in. Throws ApiError (409 signature_not_expected, already_recorded, list_closed; 422). */
export async function signCheckIn(attendanceId: string, signature: Signature) {
  return unwrap(await api.POST('/api/v1/attendance/{id}/signature', { body: signature, ...byId(attendanceId) }));
}

/** A check-in's signature with its strokes. */
export async function getSignature(attendanceId: string, signal?: AbortSignal) {
  return unwrap(await api.GET('/api/v1/attendance/{id}/signature', byId(attendanceId, signal)));
}

/** Closes the session's list, signed by the instructor or organiser ("Liste abschließen"). */
export async function closeList(sessionId: string, signature: Signature): Promise<SessionAttendance> {
  return unwrap(await api.POST('/api/v1/event-sessions/{id}/close', { body: signature, ...byId(sessionId) }));
}

/** Every record of one participant (the events the caller may see). */
export async function getParticipantAttendance(participantId: string, signal?: AbortSignal): Promise<ParticipantAttendance> {
  return unwrap(await api.GET('/api/v1/participants/{id}/attendance', byId(participantId, signal)));
}

/**
 * Outcome of a tap (`anwesend_protocol::TapOutcome`): the kiosk greets on the
 * first two and on `card_bound`, and shows a refusal for the rest.
 */
export type TapOutcome =
  | 'checked_in'
  | 'checked_out'
  | 'already_recorded'
  | 'unknown_card'
  | 'no_session'
  | 'no_booking'
  | 'not_checked_in'
  | 'card_bound'
  | 'card_in_use'
  | 'restricted';

/**
 * One `event: tap` of the kiosk stream, typed by hand: the OpenAPI document
 * describes the stream only as `text/event-stream` text. First name only (TOM PRIV-1).
 */
export interface KioskTap {
  location_id: string | null;
  device_name: string;
  outcome: TapOutcome | string;
  first_name: string | null;
  /** When the card was tapped (UTC). */
  at: string;
  /** Not sent today; if the server adds the device's mode, "already recorded" can say in or out. */
  mode?: string;
  /** The check-in to sign for: the event asks for a signature with attendance. */
  sign_for: string | null;
}

/** Parse the `data:` of a tap event; null if it is not one. */
export function parseKioskTap(data: string): KioskTap | null {
  try {
    const value: unknown = JSON.parse(data);
    if (!value || typeof value !== 'object') return null;
    const v = value as Record<string, unknown>;
    if (typeof v.outcome !== 'string') return null;
    return {
      location_id: typeof v.location_id === 'string' ? v.location_id : null,
      device_name: typeof v.device_name === 'string' ? v.device_name : '',
      outcome: v.outcome,
      first_name: typeof v.first_name === 'string' && v.first_name ? v.first_name : null,
      at: typeof v.at === 'string' ? v.at : '',
      sign_for: typeof v.sign_for === 'string' && v.sign_for ? v.sign_for : null,
      ...(typeof v.mode === 'string' ? { mode: v.mode } : {}),
    };
  } catch {
    return null;
  }
}

/** The kiosk's server-sent events (cookie session, same origin), optionally of one location. */
export function kioskStreamUrl(locationId: string | null): string {
  return locationId ? `/api/v1/kiosk/stream?location_id=${encodeURIComponent(locationId)}` : '/api/v1/kiosk/stream';
}
