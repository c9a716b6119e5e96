// Set-up and small waits shared by the browser tests that book events and read mails.
// Not a test file itself.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMail, TENANT, UI_WAIT_MS, waitFor } from './harness.mjs';

/** The mails the server wrote to `<data dir>/mail` (dev file transport), oldest first. */
export class MailFiles {
  constructor(dataDir) {
    this.dir = join(dataDir, 'mail');
    this.seen = new Set();
  }

  all() {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((name) => name.endsWith('.eml'))
      .sort()
      // UTF-8: the file transport writes 8-bit bodies as they are (quoted-printable and base64 are ASCII anyway).
      .map((name) => ({ id: name, ...parseMail(readFileSync(join(this.dir, name), 'utf8')) }));
  }

  /** Every mail to `to` not returned before (without waiting). */
  unseen(to) {
    return this.all().filter((m) => !this.seen.has(m.id) && m.to.toLowerCase().includes(to.toLowerCase()));
  }

  /** The next mail to `to` not returned before. */
  async next(to, { timeoutMs = UI_WAIT_MS } = {}) {
    const mail = await waitFor(() => this.unseen(to)[0] ?? null, { timeoutMs, intervalMs: 200, message: `a mail file to ${to}` });
    this.seen.add(mail.id);
    return mail;
  }
}

/** The booking confirmation link (`…/#/p/{slug}/confirm?token=…`) in a mail text. */
export function confirmationLink(text, slug = TENANT) {
  const m = new RegExp(`https?://[^\\s"'<>]+#/p/${slug}/confirm\\?token=[A-Za-z0-9._~%+\\-]+`).exec(text);
  if (!m) throw new Error(`no confirmation link in the mail:\n${text}`);
  return m[0];
}

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

/**
 * Books `event` for `who` as a person does (setup, not what a test proves): the public
 * form (answered 202 for everyone), then the link from the mail file (dev file transport
 * under the server's data dir; `mails` marks it seen). Returns the confirmation's answer
 * (`booking_id`, `status`).
 */
export async function book(server, event, who, mails = null) {
  const { baseUrl } = server;
  // Without the caller's mail reader, only mails written from now on count.
  const reader = mails ?? new MailFiles(server.dataDir);
  if (!mails) for (const m of reader.all()) reader.seen.add(m.id);
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json', Origin: baseUrl };
  const res = await fetch(`${baseUrl}/api/v1/public/${TENANT}/events/${event.id}/bookings`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ name: who.name, email: who.email, consent: true, language: 'de' }),
  });
  assert.equal(res.status, 202, await res.text());
  const mail = await waitFor(() => reader.unseen(who.email).find((m) => m.text.includes('/confirm?token=')) ?? null, {
    timeoutMs: UI_WAIT_MS,
    intervalMs: 200,
    message: `the confirmation link to ${who.email}`,
  });
  reader.seen.add(mail.id);
  const token = new URL(confirmationLink(mail.text)).hash.split('token=')[1];
  const confirmed = await fetch(`${baseUrl}/api/v1/public/${TENANT}/bookings/confirm`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ token }),
  });
  const text = await confirmed.text();
  assert.equal(confirmed.status, 200, text);
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
