import { api, expectOk, requestSignal, unwrap } from './client';
import type { components } from './schema';

/**
 * The public booking page and the participants' magic link (no account; the
 * tenant is named by its slug in the path); docs/events-api.md.
 * These requests carry no cookie: they need none.
 */

export type PublicEvent = components['schemas']['PublicEvent'];

export type BookingRequest = components['schemas']['NewBooking'];

/** The one answer to every accepted booking request: see the mail (TOM PRIV-1). */
export type BookingRequested = components['schemas']['BookingRequested'];

/** The booking made by the confirmation link; `status`: `confirmed` or `waiting`. */
export type BookingConfirmed = components['schemas']['BookingConfirmed'];

/** What the redeemed magic link gives: the participant session (Bearer). */
export type ParticipantSession = components['schemas']['ParticipantSession'];

const noCookie = (signal?: AbortSignal) => ({
  signal: requestSignal(signal),
  cache: 'no-store' as const,
  credentials: 'omit' as const,
});

/**
 * A published event; `language` picks the default consent text when the
 * tenant has not set its own. Throws ApiError (404 for unknown, draft or
 * other-tenant events).
 */
export async function getPublicEvent(
  slug: string,
  eventId: string,
  language: 'de' | 'en',
  signal?: AbortSignal,
): Promise<PublicEvent> {
  return unwrap(await api.GET('/api/v1/public/{tenant}/events/{id}', {
    params: { path: { tenant: slug, id: eventId }, query: { language } },
    ...noCookie(signal),
  }));
}

/**
 * Ask for a booking. The answer (202) is the same whoever the address belongs
 * to; the mail to it holds the confirmation link or says why there is none.
 * Throws ApiError (422 invalid_field with `field`; 409 booking_closed; 404;
 * 429 with Retry-After).
 */
export async function bookEvent(slug: string, eventId: string, booking: BookingRequest): Promise<BookingRequested> {
  return unwrap(await api.POST('/api/v1/public/{tenant}/events/{id}/bookings', {
    params: { path: { tenant: slug, id: eventId } },
    body: booking,
    ...noCookie(),
  }));
}

/** Ask for a sign-in link; the answer (202) is the same whether or not the address is known (TOM ACC-4). */
export async function requestMagicLink(slug: string, email: string, language: 'de' | 'en'): Promise<void> {
  expectOk(await api.POST('/api/v1/public/{tenant}/magic-link', {
    params: { path: { tenant: slug } },
    body: { email, language },
    ...noCookie(),
  }));
}

/**
 * Confirm a booking with the token of the mailed link (once). Throws ApiError
 * (404 link_invalid: unknown, used or expired; 409 event_full, already_booked,
 * restricted; 429).
 */
export async function confirmBooking(slug: string, token: string): Promise<BookingConfirmed> {
  return unwrap(await api.POST('/api/v1/public/{tenant}/bookings/confirm', {
    params: { path: { tenant: slug } },
    body: { token },
    ...noCookie(),
  }));
}

/** Exchange the one-time link token for a participant session. Throws ApiError (404 link_invalid). */
export async function redeemMagicLink(slug: string, token: string): Promise<ParticipantSession> {
  return unwrap(await api.POST('/api/v1/public/{tenant}/magic-link/redeem', {
    params: { path: { tenant: slug } },
    body: { token },
    ...noCookie(),
  }));
}
