// Organiser experience (issue 23), with an SMTP sink: the start page per role (tenant
// admin: what needs attention and the audit log one click away; organiser: today's session
// with bookings and check-ins, no admin parts), the grouped navigation at 1280 px and
// 390 px (only what the role may use, one row on a laptop, folded on a phone; screenshots
// kept in the artifacts directory), and the staff password reset through the real mail:
// the same answer for an unknown address, the link leaves the address bar at once and
// never travels in a request URL, works once, ends every session (ACC-5), and a mail
// tells the account.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  ADMIN_EMAIL,
  apiSignIn,
  browserSuite,
  invitationLink,
  navTo,
  openPage,
  PROJECT_ROOT,
  signIn,
  submitLogin,
  TENANT,
  waitFor,
} from './harness.mjs';

const ARTIFACTS = process.env.ANWESEND_TEST_ARTIFACTS ?? join(PROJECT_ROOT, 'target', 'browser-artifacts');
const ORGANISER = { email: 'orga@example.org', password: 'Wasserkocher-Laterne-81' };
const NEW_PASSWORD = 'Sonnenblume-Kanu-Treppe-7';

/** `YYYY-MM-DDTHH:MM:SS` in UTC, `minutes` from now. */
function utcIn(minutes) {
  return new Date(Date.now() + minutes * 60_000).toISOString().slice(0, 19);
}

/** The token of a reset link in a mail text. */
function resetLink(text) {
  const m = /https?:\/\/[^\s"'<>]+#\/reset-password\?token=[A-Za-z0-9_-]+/.exec(text);
  if (!m) throw new Error(`no reset link in the mail:\n${text}`);
  return m[0];
}

/** Top-level entries of the navigation that are visible, with their boxes. */
async function visibleNavEntries(page) {
  return page.locator('.app-nav__inner > a, .app-nav__groups > li > a, .app-nav__groups > li > button').evaluateAll((nodes) =>
    nodes
      .filter((n) => n.offsetParent !== null)
      .map((n) => {
        const box = n.getBoundingClientRect();
        return { id: n.getAttribute('data-testid'), top: Math.round(box.top), right: box.right };
      }),
  );
}

describe('organiser experience (issue 23)', () => {
  const suite = browserSuite({ tenantAdmin: true, mail: true });

  /** Sets up an organiser (invited and accepted through the API) and a course running now with one checked-in booking. */
  async function setUp() {
    const { baseUrl } = suite.server;
    const admin = await apiSignIn(baseUrl);
    const invited = await admin.request('POST', '/api/v1/invitations', { email: ORGANISER.email, role: 'organiser', language: 'de' });
    assert.equal(invited.status, 201, JSON.stringify(invited.body));
    const token = new URL(invitationLink((await suite.mailbox.waitForMail({ to: ORGANISER.email })).text)).hash.split('token=')[1];
    const headers = { 'Content-Type': 'application/json', Origin: baseUrl };
    const accepted = await fetch(`${baseUrl}/api/v1/invitations/accept`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ token, password: ORGANISER.password }),
    });
    assert.equal(accepted.status, 200, await accepted.text());

    const created = await admin.request('POST', '/api/v1/events', {
      kind: 'course',
      title: 'Rückenfit heute',
      description: '',
      capacity: 10,
      waiting_list: false,
      fields: [],
      sessions: [{ starts_at: utcIn(-10), ends_at: utcIn(120) }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const event = created.body;
    assert.equal((await admin.request('POST', `/api/v1/events/${event.id}/publish`)).status, 200);
    const booked = await fetch(`${baseUrl}/api/v1/public/${TENANT}/events/${event.id}/bookings`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'Anna Muster', email: 'anna@example.org', consent: true, language: 'de' }),
    });
    assert.equal(booked.status, 202, await booked.text());
    const link = /#\/p\/[^/]+\/confirm\?token=([A-Za-z0-9_-]+)/.exec((await suite.mailbox.waitForMail({ to: 'anna@example.org' })).text);
    assert.ok(link, 'a confirmation link');
    const confirmed = await fetch(`${baseUrl}/api/v1/public/${TENANT}/bookings/confirm`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ token: link[1] }),
    });
    const booking = await confirmed.json();
    assert.equal(confirmed.status, 200, JSON.stringify(booking));
    const checkedIn = await admin.request('POST', '/api/v1/attendance', {
      session_id: event.sessions[0].id,
      booking_id: booking.booking_id,
      kind: 'check_in',
    });
    assert.ok(checkedIn.status < 300, JSON.stringify(checkedIn.body));
    return event;
  }

  test('home per role and the grouped navigation at 1280 px and 390 px', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const event = await setUp();
    const admin = await openPage(suite.browser);
    const organiser = await openPage(suite.browser);
    try {
      // --- Tenant admin at 1280 px: lands on the start page, not the audit log ---------
      const { page } = admin;
      await page.setViewportSize({ width: 1280, height: 800 });
      await signIn(page, suite.server.baseUrl);
      await page.waitForURL(/#\/$/);
      const attention = page.getByTestId('home-attention');
      await attention.waitFor();
      await page.locator('[data-testid="home-chain"][data-state="intact"]').waitFor();
      const session = page.locator('[data-testid="home-session"]', { hasText: 'Rückenfit heute' });
      await session.waitFor();
      assert.equal(await session.getAttribute('data-running'), 'true');
      assert.match(await session.getByTestId('home-session-booked').innerText(), /1 von 10 Plätzen gebucht/);
      assert.match(await session.getByTestId('home-session-present').innerText(), /1 anwesend/);
      assert.equal(
        await session.getByTestId('home-session-live').getAttribute('href'),
        `#/sessions/${encodeURIComponent(event.sessions[0].id)}/attendance`,
      );

      // Only what the role may use, grouped; one row on a laptop, nothing wider than the screen.
      const entries = await visibleNavEntries(page);
      assert.deepEqual(
        entries.map((e) => e.id),
        ['nav-home', 'nav-group-events', 'nav-group-places', 'nav-group-team', 'nav-group-privacy', 'nav-account'],
      );
      assert.equal(new Set(entries.map((e) => e.top)).size, 1, `one row: ${JSON.stringify(entries)}`);
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal scrolling');
      assert.equal(await page.getByTestId('nav-menu').isVisible(), false, 'no phone menu on a laptop');
      const team = page.getByTestId('nav-group-team');
      await team.click();
      for (const id of ['nav-members', 'nav-sso']) assert.ok(await page.getByTestId(id).isVisible(), `${id} in "Team"`);
      await page.keyboard.press('Escape');
      const privacy = page.getByTestId('nav-group-privacy');
      await privacy.click();
      assert.equal(await privacy.getAttribute('aria-expanded'), 'true');
      for (const id of ['nav-audit', 'nav-deletion-log', 'nav-requests', 'nav-retention', 'nav-processing-record']) {
        assert.ok(await page.getByTestId(id).isVisible(), `${id} in "Datenschutz"`);
        assert.ok((await page.getByTestId(id).boundingBox()).x + 10 < 1280, `${id} on screen`);
      }
      await page.screenshot({ path: join(ARTIFACTS, 'nav-admin-1280.png') });
      await page.keyboard.press('Escape');
      assert.equal(await page.getByTestId('nav-audit').isVisible(), false, 'Escape closes the menu');
      assert.equal(await privacy.evaluate((el) => el === document.activeElement), true, 'focus back on the group');
      await page.screenshot({ path: join(ARTIFACTS, 'home-admin-1280.png'), fullPage: true });

      // The audit log is one click from the start page.
      await page.getByTestId('home-open-audit').click();
      await page.getByRole('heading', { level: 1, name: 'Protokoll' }).waitFor();
      assert.equal(await page.getByTestId('nav-group-privacy').getAttribute('class'), 'app-nav__group-toggle app-nav__group-toggle--current');

      // --- Organiser: no admin parts, and the phone layout ------------------------------
      const o = organiser.page;
      await o.setViewportSize({ width: 1280, height: 800 });
      await signIn(o, suite.server.baseUrl, ORGANISER);
      await o.waitForURL(/#\/$/);
      const mine = o.locator('[data-testid="home-session"]', { hasText: 'Rückenfit heute' });
      await mine.waitFor();
      assert.match(await mine.getByTestId('home-session-booked').innerText(), /1 von 10/);
      assert.equal(await o.getByTestId('home-attention').count(), 0, 'no admin part for organisers');
      assert.deepEqual(
        (await visibleNavEntries(o)).map((e) => e.id),
        ['nav-home', 'nav-group-events', 'nav-locations', 'nav-account'],
        'organisers: events, locations (a single item is a plain link), their account',
      );
      for (const hidden of ['nav-audit', 'nav-members', 'nav-devices', 'nav-requests', 'nav-group-privacy', 'nav-group-team']) {
        assert.equal(await o.getByTestId(hidden).count(), 0, `${hidden} is not offered`);
      }
      await o.screenshot({ path: join(ARTIFACTS, 'home-organiser-1280.png'), fullPage: true });

      await o.setViewportSize({ width: 390, height: 844 });
      const menu = o.getByTestId('nav-menu');
      await menu.waitFor();
      assert.equal(await o.getByTestId('nav-group-events').isVisible(), false, 'groups fold behind "Menü"');
      assert.ok(await o.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal scrolling on a phone');
      await o.screenshot({ path: join(ARTIFACTS, 'home-organiser-390.png'), fullPage: true });
      await menu.click();
      await o.getByTestId('nav-group-events').click();
      assert.ok(await o.getByTestId('nav-participants').isVisible());
      await o.screenshot({ path: join(ARTIFACTS, 'nav-organiser-390.png') });
      await o.getByTestId('nav-events').click();
      await o.waitForURL(/#\/events$/);
      // The menu folds when React has rendered the new route, which may come after the URL.
      await o.getByTestId('nav-group-events').waitFor({ state: 'hidden' });
      await navTo(o, 'nav-kiosk');
      await o.waitForURL(/#\/kiosk$/);

      for (const { pageErrors } of [admin, organiser]) assert.deepEqual(pageErrors, []);
    } finally {
      await admin.context.close();
      await organiser.context.close();
    }
  });

  test('ACC-5 password reset by mail: same answer for anyone, link once, every session ends', async () => {
    const { baseUrl } = suite.server;
    const other = await openPage(suite.browser);
    const forgot = await openPage(suite.browser);
    const mailTab = await openPage(suite.browser, { locale: 'en-GB' });
    const requestUrls = [];
    for (const { page } of [forgot, mailTab]) page.on('request', (req) => requestUrls.push(req.url()));
    try {
      // A session elsewhere that the reset must end.
      await signIn(other.page, baseUrl, ORGANISER);

      // "Passwort vergessen?" on the sign-in page; an unknown address gets the same answer.
      const { page } = forgot;
      const ask = async (email) => {
        await page.goto(`${baseUrl}/#/login`);
        await page.getByTestId('login-forgot').click();
        await page.waitForURL(/#\/forgot-password$/);
        await page.getByTestId('forgot-email').fill(email);
        await page.getByTestId('forgot-submit').click();
        return (await page.getByTestId('forgot-sent').innerText()).trim();
      };
      const unknownAnswer = await ask('niemand@example.org');
      const knownAnswer = await ask(ORGANISER.email);
      assert.equal(knownAnswer, unknownAnswer, 'the page does not tell whether the address has an account');
      assert.match(knownAnswer, /Wenn ein Konto zu dieser Adresse gehört/);

      const mail = await suite.mailbox.waitForMail({ to: ORGANISER.email });
      assert.match(mail.subject, /Neues Passwort festlegen/);
      const link = resetLink(mail.text);

      // The link in another tab (English): the token leaves the address bar at once.
      const m = mailTab.page;
      await m.goto(link);
      await m.waitForURL(/#\/reset-password$/);
      await m.getByRole('button', { name: 'English' }).click();
      await m.getByTestId('reset-password').fill('kurz');
      await m.getByTestId('reset-repeat').fill('kurz');
      await m.getByTestId('reset-submit').click();
      assert.match(await m.getByTestId('reset-password-error').innerText(), /At least 12 characters/);
      await m.getByTestId('reset-password').fill(NEW_PASSWORD);
      await m.getByTestId('reset-repeat').fill(NEW_PASSWORD);
      await m.getByTestId('reset-submit').click();
      await m.getByTestId('reset-done').waitFor();
      const token = new URL(link).hash.split('token=')[1];
      assert.ok(token.length >= 43, 'a 256-bit token');
      assert.ok(!requestUrls.some((url) => url.includes(token)), 'the token is never in a request URL');

      // Every session ended: the other browser is signed out at its next request.
      const ended = await other.page.evaluate(async () => (await fetch('/api/v1/auth/me')).status);
      assert.equal(ended, 401);

      // The account is told; the link works once; the new password signs in.
      const changed = await suite.mailbox.waitForMail({ to: ORGANISER.email });
      assert.match(changed.subject, /your password was changed/);
      await m.goto(link);
      await m.waitForURL(/#\/reset-password$/);
      await m.getByTestId('reset-password').fill(NEW_PASSWORD);
      await m.getByTestId('reset-repeat').fill(NEW_PASSWORD);
      await m.getByTestId('reset-submit').click();
      assert.match(await m.getByTestId('reset-invalid').innerText(), /invalid, already used or expired/);
      await m.goto(`${baseUrl}/#/login`);
      await submitLogin(m, { email: ORGANISER.email, password: ORGANISER.password });
      await m.getByTestId('login-error').waitFor();
      await submitLogin(m, { email: ORGANISER.email, password: NEW_PASSWORD });
      await m.getByTestId('sign-out').waitFor();

      // Audited, without the token.
      const admin = await apiSignIn(baseUrl, { email: ADMIN_EMAIL });
      await waitFor(async () => {
        const entries = (await admin.request('GET', '/api/v1/audit?action=auth.password_reset')).body?.entries ?? [];
        return entries.length > 0;
      }, { message: 'the reset in the audit log' });
      for (const { pageErrors } of [forgot, mailTab]) assert.deepEqual(pageErrors, []);
    } finally {
      for (const { context } of [other, forgot, mailTab]) await context.close();
    }
  });
  test('a 10-week course from a rule with one holiday skipped, a single session changed, then copied with new dates', async () => {
    const { context, page, pageErrors } = await openPage(suite.browser, { timezoneId: 'Europe/Berlin' });
    try {
      await signIn(page, suite.server.baseUrl);
      await page.goto(`${suite.server.baseUrl}/#/events`);
      await page.getByTestId('event-title').fill('Yoga am Mittwoch');
      await page.getByTestId('event-kind').selectOption('course');
      await page.getByTestId('rule-open').click();
      // Ten Wednesdays from 3 March to 5 May 2027, Easter week's Wednesday (31 March) left out;
      // summer time starts on 28 March.
      await page.getByTestId('rule-weekday-3').check();
      await page.getByTestId('rule-from').fill('2027-03-03');
      await page.getByTestId('rule-to').fill('2027-05-05');
      await page.getByTestId('rule-start').fill('18:00');
      await page.getByTestId('rule-end').fill('19:30');
      await page.getByTestId('rule-skip').fill('2027-03-31');
      // A wrong rule says why and changes nothing.
      await page.getByTestId('rule-end').fill('17:00');
      await page.getByTestId('rule-preview').click();
      assert.match(await page.getByTestId('rule-problem').innerText(), /Ende muss nach dem Beginn/);
      assert.equal(await page.getByTestId('event-session-row').count(), 1);
      await page.getByTestId('rule-end').fill('19:30');
      await page.getByTestId('rule-preview').click();
      assert.equal((await page.getByTestId('rule-count').innerText()).trim(), '9 Termine');
      const listed = await page.getByTestId('rule-session').allInnerTexts();
      assert.equal(listed.length, 9);
      assert.ok(!listed.some((text) => /31\. März/.test(text)), `the holiday is left out: ${listed}`);
      await page.getByTestId('rule-apply').click();
      assert.equal(await page.getByTestId('event-session-row').count(), 9, 'the preview becomes the session rows');
      // One session moves by half an hour before saving.
      await page.getByTestId('event-session-start').nth(1).fill('2027-03-10T18:30');
      await page.getByTestId('event-submit').click();
      await page.getByTestId('event-created').waitFor();
      const eventId = new URL(page.url()).hash.match(/#\/events\/([^?]+)/)[1];

      const admin = await apiSignIn(suite.server.baseUrl);
      const stored = await admin.request('GET', `/api/v1/events/${eventId}`);
      assert.equal(stored.status, 200);
      assert.equal(stored.body.kind, 'course');
      // Times are entered in the tenant's time zone (Europe/Berlin by default, issue 23).
      const local = await page.evaluate(
        (sessions) => sessions.map((s) =>
          new Date(`${s.starts_at.slice(0, 19)}Z`).toLocaleString('sv-SE', { timeZone: 'Europe/Berlin' }).slice(0, 16)),
        stored.body.sessions,
      );
      assert.deepEqual(local, [
        '2027-03-03 18:00', '2027-03-10 18:30', '2027-03-17 18:00', '2027-03-24 18:00', '2027-04-07 18:00',
        '2027-04-14 18:00', '2027-04-21 18:00', '2027-04-28 18:00', '2027-05-05 18:00',
      ], 'local times stay at 18:00 across the change to summer time');

      // Copy: every setting, new dates from a rule.
      await page.getByTestId('event-copy').click();
      await page.getByTestId('event-copy-of').waitFor();
      assert.equal(await page.getByTestId('event-title').inputValue(), 'Yoga am Mittwoch');
      assert.equal(await page.getByTestId('event-kind').inputValue(), 'course');
      await page.getByTestId('event-title').fill('Yoga am Mittwoch (Herbst)');
      await page.getByTestId('rule-open').click();
      await page.getByTestId('rule-weekday-3').check();
      await page.getByTestId('rule-from').fill('2027-09-01');
      await page.getByTestId('rule-to').fill('2027-09-29');
      await page.getByTestId('rule-preview').click();
      assert.equal((await page.getByTestId('rule-count').innerText()).trim(), '5 Termine');
      await page.getByTestId('rule-apply').click();
      await page.getByTestId('event-submit').click();
      await page.getByTestId('event-created').waitFor();
      const copyId = new URL(page.url()).hash.match(/#\/events\/([^?]+)/)[1];
      assert.notEqual(copyId, eventId);
      const copy = (await admin.request('GET', `/api/v1/events/${copyId}`)).body;
      assert.deepEqual(
        [copy.kind, copy.capacity, copy.waiting_list, copy.fields, copy.sessions.length, copy.status],
        [stored.body.kind, stored.body.capacity, stored.body.waiting_list, stored.body.fields, 5, 'draft'],
      );
      assert.deepEqual(pageErrors, []);
    } finally {
      await context.close();
    }
  });
});
