import { api, requestSignal, unwrap } from './client';
import type { components } from './schema';

/**
 * Events and courses, their bookings and the participants (staff, cookie
 * session + CSRF); docs/events-api.md.
 */

export type EventKind = components['schemas']['EventKind'];

export type EventStatus = components['schemas']['EventStatus'];

export type BookingStatus = components['schemas']['BookingStatus'];
export const EVENT_KINDS: readonly EventKind[] = ['event', 'course'];


/** Extra fields a booking form may ask for (name and email are always asked). */
export type ExtraField = 'phone' | 'note';
export const EXTRA_FIELDS: readonly ExtraField[] = ['phone', 'note'];

export type EventSession = components['schemas']['EventSession'];

/** `Event` of the contract (named so it does not shadow the DOM's `Event`); `kind` and `status` as above. */
export type EventRecord = components['schemas']['EventView'];

export type EventInput = components['schemas']['EventInput'];

export type MailStatus = components['schemas']['MailStatus'];

/** A booking as staff see it; `mail_status`: how far the confirmation mail got (outbox). */
export type Booking = components['schemas']['BookingView'];

export type ParticipantMatch = components['schemas']['ParticipantHit'];

export type BookingSettings = components['schemas']['BookingSettings'];

const init = (signal?: AbortSignal) => ({ signal: requestSignal(signal), cache: 'no-store' as const });
const byId = (id: string, signal?: AbortSignal) => ({ params: { path: { id } }, ...init(signal) });

export async function listEvents(signal?: AbortSignal): Promise<EventRecord[]> {
  return unwrap(await api.GET('/api/v1/events', init(signal)));
}

export async function getEvent(id: string, signal?: AbortSignal): Promise<EventRecord> {
  return unwrap(await api.GET('/api/v1/events/{id}', byId(id, signal)));
}

/** A new draft. Throws ApiError (422 invalid_field with `field`, 403 forbidden). */
export async function createEvent(input: EventInput): Promise<EventRecord> {
  return unwrap(await api.POST('/api/v1/events', { body: input, ...init() }));
}

/** Throws ApiError (422 invalid_field, 409 capacity_below_bookings, 404). */
export async function updateEvent(id: string, input: EventInput): Promise<EventRecord> {
  return unwrap(await api.PUT('/api/v1/events/{id}', { body: input, ...byId(id) }));
}

/** Draft → published. Throws ApiError (409 not_a_draft). */
export async function publishEvent(id: string): Promise<EventRecord> {
  return unwrap(await api.POST('/api/v1/events/{id}/publish', byId(id)));
}

/** Confirmed, then waiting (queue order), then cancelled. */
export async function listBookings(eventId: string, signal?: AbortSignal): Promise<Booking[]> {
  return unwrap(await api.GET('/api/v1/events/{id}/bookings', byId(eventId, signal)));
}

/** The bookings as CSV: a plain link (the browser sends the session cookie; the server names the file). */
export function bookingsCsvUrl(eventId: string): string {
  return `/api/v1/events/${encodeURIComponent(eventId)}/bookings.csv`;
}

/** Cancel a booking; the first on the waiting list moves up. */
export async function cancelBooking(id: string): Promise<Booking> {
  return unwrap(await api.POST('/api/v1/bookings/{id}/cancel', byId(id)));
}

/** Move a booking to another event. Throws ApiError (409 event_full, already_booked, same_event). */
export async function moveBooking(id: string, eventId: string): Promise<Booking> {
  return unwrap(await api.POST('/api/v1/bookings/{id}/move', {
    body: { event_id: eventId },
    ...byId(id),
  }));
}

/**
 * Participants by a whole email address or whole words of the name
 * (blind indexes, TOM PSEUDO-1: no partial matches).
 */
export async function searchParticipants(q: string, signal?: AbortSignal): Promise<ParticipantMatch[]> {
  return unwrap(await api.GET('/api/v1/participants', { params: { query: { q } }, ...init(signal) }));
}

/** The consent text shown on every booking page (admins). */
export async function getBookingSettings(signal?: AbortSignal): Promise<BookingSettings> {
  return unwrap(await api.GET('/api/v1/tenant/booking', init(signal)));
}

/** Throws ApiError (422 for an empty or too long text, 403). */
export type BookingSettingsChange = components['schemas']['BookingSettingsChange'];

export async function setBookingSettings(settings: BookingSettingsChange): Promise<BookingSettings> {
  return unwrap(await api.PUT('/api/v1/tenant/booking', { body: settings, ...init() }));
}
