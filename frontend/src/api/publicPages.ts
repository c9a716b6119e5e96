import { api, expectOk, requestSignal, unwrap } from './client';
import type { components } from './schema';

/**
 * Issue 23: the tenant's time zone, public event list and embedding origins
 * (tenant admins), the public list itself (no account), and a staff member's
 * calendar feed (docs/events-api.md).
 */

export type PublicPages = components['schemas']['PublicPages'];
export type PublicPagesUpdate = components['schemas']['PublicPagesUpdate'];
export type PublicEventList = components['schemas']['PublicEventList'];
export type PublicEventSummary = components['schemas']['PublicEventSummary'];
export type FeedStatus = components['schemas']['FeedStatus'];
export type FeedCreated = components['schemas']['FeedCreated'];

const init = (signal?: AbortSignal) => ({ signal: requestSignal(signal), cache: 'no-store' as const });

export async function getPublicPages(signal?: AbortSignal): Promise<PublicPages> {
  return unwrap(await api.GET('/api/v1/tenant/public-pages', init(signal)));
}

/** Throws ApiError (422 invalid_field `time_zone` or `embed_origins`, 403). */
export async function setPublicPages(update: PublicPagesUpdate): Promise<PublicPages> {
  return unwrap(await api.PUT('/api/v1/tenant/public-pages', { body: update, ...init() }));
}

/** The tenant's public list; throws ApiError (404 when the tenant has it off or does not exist). */
export async function listPublicEvents(
  slug: string,
  filter: { location?: string; month?: string },
  signal?: AbortSignal,
): Promise<PublicEventList> {
  const query: { location?: string; month?: string } = {};
  if (filter.location) query.location = filter.location;
  if (filter.month) query.month = filter.month;
  return unwrap(await api.GET('/api/v1/public/{tenant}/events', {
    params: { path: { tenant: slug }, query },
    signal: requestSignal(signal),
    cache: 'no-store',
    credentials: 'omit',
  }));
}

export async function getCalendarFeed(signal?: AbortSignal): Promise<FeedStatus> {
  return unwrap(await api.GET('/api/v1/calendar-feed', init(signal)));
}

/** A new secret feed URL (shown once); the old one stops working. */
export async function createCalendarFeed(): Promise<FeedCreated> {
  return unwrap(await api.POST('/api/v1/calendar-feed', init()));
}

export async function revokeCalendarFeed(): Promise<void> {
  expectOk(await api.POST('/api/v1/calendar-feed/revoke', init()));
}
