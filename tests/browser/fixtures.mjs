// Set-up and small waits shared by the browser tests that book events and read mails.
// Not a test file itself.
import assert from 'node:assert/strict';
import { TENANT, UI_WAIT_MS, waitFor } from './harness.mjs';

/** A published course with one session on 2030-09-01 (17:00–18:00 UTC), made through the API. */
export async function publishedCourse(admin, title) {
  const created = await admin.request('POST', '/api/v1/events', {
    kind: 'course',
    title,
    description: '',
    capacity: 10,
    waiting_list: false,
    fields: [],
    sessions: [{ starts_at: '2030-09-01T17:00:00', ends_at: '2030-09-01T18:00:00' }],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const published = await admin.request('POST', `/api/v1/events/${created.body.id}/publish`);
  assert.equal(published.status, 200, JSON.stringify(published.body));
  return created.body;
}

/** Books `event` for `who` through the public API (setup, not what a test proves). */
export async function book(baseUrl, event, who) {
  const res = await fetch(`${baseUrl}/api/v1/public/${TENANT}/events/${event.id}/bookings`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', Origin: baseUrl },
    body: JSON.stringify({ name: who.name, email: who.email, consent: true, language: 'de' }),
  });
  const text = await res.text();
  assert.equal(res.status, 201, text);
  return JSON.parse(text);
}

/** The sign-in link (`…/#/p/{slug}/login?token=…`) in a mail text. */
export function magicLink(text, slug = TENANT) {
  const m = new RegExp(`https?://[^\\s"'<>]+#/p/${slug}/login\\?token=[A-Za-z0-9._~%+\\-]+`).exec(text);
  if (!m) throw new Error(`no sign-in link in the mail:\n${text}`);
  return m[0];
}

/** Waits until the element's `data-state` is `state`. */
export async function waitForState(locator, state, message, timeoutMs = UI_WAIT_MS) {
  await waitFor(async () => (await locator.getAttribute('data-state')) === state, { message, timeoutMs });
}
