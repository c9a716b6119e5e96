// Events, bookings and the participant portal end to end (issue #5, docs/events-api.md)
// against the real server and an SMTP sink:
// - the tenant admin sets the consent text, creates an event with a location, capacity,
//   an extra field and a session through the form (bad input keeps what was typed),
//   publishes it and gets the public booking link;
// - a participant (another browser, no staff cookie) opens the link, sees the event,
//   seats, location and consent text, must tick the consent and books; the page answers
//   "confirm through the link in the mail" (the same answer for everyone, PRIV-1); the
//   link from the mail, opened in a fresh tab, leaves the address bar at once and
//   confirms the booking once (a used link gets one clear answer); the confirmation mail
//   arrives; booking again with the same address gets the same answer on the page and a
//   mail saying it is booked already;
// - the participant asks for a sign-in link (same neutral answer for an unknown
//   address), opens the link from the mail in a fresh tab: the token leaves the address
//   bar at once (TRANS-3), the session lives in sessionStorage only — not in
//   localStorage, not in a cookie (PRIV-2); the link works once;
// - in the portal the participant cancels the booking, downloads everything stored
//   about them (RIGHTS-1), sends a data-protection request, opts out of optional mails
//   (INPUT-6) and signs out (the token is dead afterwards);
// - back in the staff view the booking shows as cancelled with its mail status, the
//   CSV download has it, and the participant search finds whole words only (PSEUDO-1).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { apiSignIn, browserSuite, navTo, openPage, signIn, TENANT, waitFor } from './harness.mjs';
import { confirmationLink, magicLink, waitForState } from './fixtures.mjs';

const CONSENT = 'Ich willige ein, dass der Verein meinen Namen und meine E-Mail-Adresse für diese Buchung verarbeitet.';
const TITLE = 'Yoga am Abend';
const LOCATION = 'Turnhalle Nord';
const NAME = 'Erika Mustermann';
const EMAIL = 'erika@example.org';

/** What the page keeps in browser storage, and the cookies JavaScript could see. */
async function browserState(page) {
  return page.evaluate(() => ({
    local: JSON.stringify({ ...window.localStorage }),
    localCount: window.localStorage.length,
    session: JSON.stringify({ ...window.sessionStorage }),
    cookie: document.cookie,
  }));
}

/** `{ status, body }` of a portal request with a Bearer token, from inside `page`. */
async function portalGet(page, path, token) {
  return page.evaluate(
    async ([p, tok]) => {
      const res = await fetch(p, { headers: { Accept: 'application/json', Authorization: `Bearer ${tok}` }, cache: 'no-store' });
      const text = await res.text();
      let body = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = text;
      }
      return { status: res.status, body };
    },
    [path, token],
  );
}

describe('events, bookings and the participant portal', { timeout: 900_000 }, () => {
  const suite = browserSuite({ tenantAdmin: true, mail: true, workDirPrefix: 'anwesend-booking-' });

  test('TRANS-3 PRIV-1 ACC-2 PRIV-2 RIGHTS-1 INPUT-6 PSEUDO-1 ACC-4: publish an event, book it and confirm by the mailed link, sign in by magic link, cancel, download own data; staff sees the cancellation', async () => {
    const { baseUrl } = suite.server;
    const admin = await apiSignIn(baseUrl);
    const created = await admin.request('POST', '/api/v1/locations', { name: LOCATION });
    assert.equal(created.status, 201, JSON.stringify(created.body));

    const staff = await openPage(suite.browser);
    const visitor = await openPage(suite.browser);
    let portal = null;
    let reuse = null;
    try {
      // --- Staff: consent text and a new event -------------------------------------
      const { page } = staff;
      await signIn(page, baseUrl);
      await navTo(page, 'nav-events');
      await page.getByRole('heading', { level: 1, name: 'Veranstaltungen' }).waitFor();
      await waitForState(page.getByTestId('events-status'), 'ok', 'events loaded');

      await page.getByTestId('consent-text').fill(CONSENT);
      // PRIV-1: the confirmation step is on by default; the link's life is bounded.
      assert.equal(await page.getByTestId('booking-confirm-open').isChecked(), true);
      assert.equal(await page.getByTestId('booking-link-hours').inputValue(), '24');
      await page.getByTestId('booking-link-hours').fill('0');
      await page.getByTestId('consent-save').click();
      assert.equal((await page.getByTestId('booking-link-hours-error').innerText()).trim(), '1 bis 168 Stunden.');
      await page.getByTestId('booking-link-hours').fill('48');
      await page.getByTestId('consent-save').click();
      assert.equal((await page.getByTestId('consent-message').innerText()).trim(), 'Der Einwilligungstext ist gespeichert.');
      const saved = await admin.request('GET', '/api/v1/tenant/booking');
      assert.deepEqual([saved.body.confirm_open_events, saved.body.link_hours], [true, 48]);

      // Bad input: errors next to the fields, nothing typed is lost.
      const form = page.getByTestId('event-form');
      await form.getByTestId('event-title').fill(TITLE);
      await form.getByTestId('event-capacity').fill('0');
      await form.getByTestId('event-submit').click();
      await form.getByTestId('event-capacity-error').waitFor();
      await form.getByTestId('event-session-start-error').waitFor();
      assert.equal((await form.getByTestId('event-form-message').innerText()).trim(), 'Bitte prüfen Sie die markierten Angaben.');
      assert.equal(await form.getByTestId('event-title').inputValue(), TITLE, 'the title is kept');

      await form.getByTestId('event-description').fill('Sanftes Yoga für alle.');
      await form.getByTestId('event-location').selectOption({ label: LOCATION });
      await form.getByTestId('event-capacity').fill('2');
      await form.getByTestId('event-field-phone').check();
      // Two session rows, then one removed again.
      await form.getByTestId('event-session-add').click();
      assert.equal(await form.getByTestId('event-session-row').count(), 2);
      await form.getByTestId('event-session-remove').nth(1).click();
      assert.equal(await form.getByTestId('event-session-row').count(), 1);
      await form.getByTestId('event-session-start').fill('2030-06-03T18:00');
      await form.getByTestId('event-session-end').fill('2030-06-03T17:00');
      await form.getByTestId('event-submit').click();
      assert.equal((await form.getByTestId('event-session-end-error').innerText()).trim(), 'Das Ende muss nach dem Beginn liegen.');
      await form.getByTestId('event-session-end').fill('2030-06-11T18:01');
      await form.getByTestId('event-submit').click();
      assert.equal(
        (await form.getByTestId('event-session-end-error').innerText()).trim(),
        'Ein Termin dauert höchstens 7 Tage; teilen Sie einen längeren auf.',
      );
      await form.getByTestId('event-session-end').fill('2030-06-03T19:30');

      const createAnswer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/events' && r.request().method() === 'POST');
      await form.getByTestId('event-submit').click();
      const createResponse = await createAnswer;
      assert.equal(createResponse.status(), 201, await createResponse.text());
      const event = await createResponse.json();
      assert.equal(event.status, 'draft');
      assert.equal(event.capacity, 2);
      assert.deepEqual(event.fields, ['phone']);
      assert.equal(event.sessions.length, 1);
      await page.waitForURL(new RegExp(`#/events/${event.id}\\?created=1$`));
      await page.getByTestId('event-created').waitFor();
      assert.equal((await page.getByTestId('event-heading').innerText()).trim(), TITLE);
      assert.equal(await page.getByTestId('event-detail-status').getAttribute('data-status'), 'draft');
      assert.equal(await page.getByTestId('event-public-link').count(), 0, 'no booking link for a draft');

      // Publish: the public link appears.
      await page.getByTestId('event-publish').click();
      await waitFor(async () => (await page.getByTestId('event-detail-status').getAttribute('data-status')) === 'published', {
        message: 'published',
      });
      const link = await page.getByTestId('event-public-link').inputValue();
      assert.equal(link, `${baseUrl}/#/book/${TENANT}/${event.id}`);
      assert.equal(await page.getByTestId('event-publish').count(), 0, 'publish only for drafts');
      await waitForState(page.getByTestId('bookings-status'), 'ok', 'bookings loaded');
      assert.equal((await page.getByTestId('bookings-status').innerText()).trim(), 'Noch keine Buchungen.');

      // --- Participant: the public booking page (no staff cookie) ----------------------
      const booking = visitor.page;
      await booking.goto(link);
      await booking.getByTestId('book-event').waitFor();
      assert.equal((await booking.getByTestId('book-event-title').innerText()).trim(), TITLE);
      assert.equal(await booking.getByTestId('book-seats').getAttribute('data-seats'), '2');
      assert.equal((await booking.getByTestId('book-seats').innerText()).trim(), 'noch 2 von 2 Plätzen frei');
      assert.equal((await booking.getByTestId('book-location').innerText()).trim(), LOCATION);
      assert.equal((await booking.getByTestId('book-consent-text').innerText()).trim(), CONSENT);
      assert.equal(await booking.getByTestId('book-sessions-item').count(), 1);
      assert.equal(await booking.getByTestId('book-phone').count(), 1, 'the event asks for a phone number');
      assert.equal(await booking.getByTestId('book-note').count(), 0, 'but not for a note');
      assert.equal(await booking.getByTestId('sign-out').count(), 0, 'nobody signed in here');

      // Consent is required; what was typed stays.
      await booking.getByTestId('book-name').fill(NAME);
      await booking.getByTestId('book-email').fill(EMAIL);
      await booking.getByTestId('book-submit').click();
      assert.equal(
        (await booking.getByTestId('book-consent-error').innerText()).trim(),
        'Ohne Ihre Einwilligung können wir die Buchung nicht annehmen.',
      );
      assert.equal(await booking.getByTestId('book-name').inputValue(), NAME);
      assert.equal(await booking.getByTestId('book-email').inputValue(), EMAIL);

      await booking.getByTestId('book-consent').check();
      const bookAnswer = booking.waitForResponse((r) => new URL(r.url()).pathname.endsWith(`/events/${event.id}/bookings`));
      await booking.getByTestId('book-submit').click();
      const bookResponse = await bookAnswer;
      assert.equal(bookResponse.status(), 202, await bookResponse.text());
      const requestAnswer = await bookResponse.text();
      assert.deepEqual(JSON.parse(requestAnswer), { message: 'check_mail' });
      assert.equal(bookResponse.request().postDataJSON().language, 'de', 'the mail language is the page language');
      const result = booking.getByTestId('book-result');
      await result.waitFor();
      assert.equal(await result.getAttribute('data-status'), 'check_mail');
      assert.equal(
        (await booking.getByTestId('book-result-text').innerText()).trim(),
        'Bitte bestätigen Sie Ihre Buchung über den Link in der E-Mail.',
      );
      assert.match((await booking.getByTestId('book-result-mail').innerText()).trim(), new RegExp(`^Die E-Mail geht an ${EMAIL}\\.`));

      // PRIV-1 ACC-2: the link from the mail, opened in a fresh tab, confirms the booking once.
      const linkMail = await suite.mailbox.waitForMail({ to: EMAIL });
      assert.ok(linkMail.text.includes(TITLE), `the mail names the event:\n${linkMail.text}`);
      const confirmLink = confirmationLink(linkMail.text);
      assert.ok(confirmLink.startsWith(`${baseUrl}/#/p/${TENANT}/confirm?token=`), `link to this server: ${confirmLink}`);
      const confirmToken = new URL(confirmLink).hash.split('token=')[1];
      const confirmTab = await openPage(suite.browser);
      let booked;
      try {
        const seen = [];
        confirmTab.page.on('request', (r) => seen.push(r.url()));
        const confirmAnswer = confirmTab.page.waitForResponse((r) => new URL(r.url()).pathname.endsWith('/bookings/confirm'));
        await confirmTab.page.goto(confirmLink);
        const confirmResponse = await confirmAnswer;
        assert.equal(confirmResponse.status(), 200, await confirmResponse.text());
        booked = await confirmResponse.json();
        const confirmed = confirmTab.page.getByTestId('bconfirm-result');
        await confirmed.waitFor();
        assert.equal(await confirmed.getAttribute('data-status'), 'confirmed');
        assert.equal((await confirmed.innerText()).trim(), 'Ihre Buchung ist bestätigt.');
        assert.equal((await confirmTab.page.getByTestId('bconfirm-event').innerText()).trim(), TITLE);
        // TRANS-3: the token left the address bar and was never in a request URL.
        assert.equal(confirmTab.page.url(), `${baseUrl}/#/p/${TENANT}/confirm`);
        assert.deepEqual(seen.filter((u) => u.includes(confirmToken)), [], 'no request URL carries the confirmation token');
        // The same link again: one clear answer.
        await confirmTab.page.goto('about:blank');
        await confirmTab.page.goto(confirmLink);
        const failed = confirmTab.page.getByTestId('bconfirm-failed');
        await failed.waitFor();
        assert.equal(await failed.getAttribute('data-code'), 'link_invalid');
        assert.equal(
          (await failed.innerText()).trim(),
          'Dieser Bestätigungslink ist ungültig, abgelaufen oder wurde schon benutzt. Buchen Sie bei Bedarf erneut über die Seite der Veranstaltung.',
        );
      } finally {
        await confirmTab.context.close();
      }

      const confirmation = await suite.mailbox.waitForMail({ to: EMAIL });
      assert.ok(confirmation.subject.trim().length > 0, 'the confirmation mail has a subject');
      assert.ok(confirmation.text.includes(TITLE), `the confirmation names the event:\n${confirmation.text}`);
      assert.ok(confirmation.text.includes('Ihre Buchung ist bestätigt'), confirmation.text);

      // The same address again: the page answers as for anyone; the mail says it is booked already.
      await booking.reload();
      await booking.getByTestId('book-name').fill(NAME);
      await booking.getByTestId('book-email').fill(EMAIL);
      await booking.getByTestId('book-consent').check();
      const againAnswer = booking.waitForResponse((r) => new URL(r.url()).pathname.endsWith(`/events/${event.id}/bookings`));
      await booking.getByTestId('book-submit').click();
      const againResponse = await againAnswer;
      assert.deepEqual([againResponse.status(), await againResponse.text()], [202, requestAnswer], 'the same answer as before');
      await booking.getByTestId('book-result').waitFor();
      const already = await suite.mailbox.waitForMail({ to: EMAIL });
      assert.match(already.text, /bereits eine Buchung/);

      // --- Participant: sign-in link --------------------------------------------------
      await booking.goto(`${baseUrl}/#/p/${TENANT}/login`);
      await booking.getByRole('heading', { level: 1, name: 'Meine Buchungen' }).waitFor();
      // ACC-4: an unknown address gets the same answer.
      await booking.getByTestId('plogin-email').fill('niemand@example.org');
      await booking.getByTestId('plogin-submit').click();
      const unknownAnswer = (await booking.getByTestId('plogin-sent').innerText()).trim();
      await booking.getByTestId('plogin-email').fill(EMAIL);
      await booking.getByTestId('plogin-submit').click();
      await waitFor(async () => (await booking.getByTestId('plogin-sent').innerText()).includes(EMAIL), {
        message: 'the answer for the known address',
      });
      const knownAnswer = (await booking.getByTestId('plogin-sent').innerText()).trim();
      assert.equal(knownAnswer.replace(EMAIL, '<email>'), unknownAnswer.replace('niemand@example.org', '<email>'));

      const signInMail = await suite.mailbox.waitForMail({ to: EMAIL });
      const signInLink = magicLink(signInMail.text);
      assert.ok(signInLink.startsWith(`${baseUrl}/#/p/${TENANT}/login?token=`), `link to this server: ${signInLink}`);
      const linkToken = new URL(signInLink).hash.split('token=')[1];

      // Opened from the mail in a fresh tab.
      portal = await openPage(suite.browser);
      const requested = [];
      portal.page.on('request', (r) => requested.push(r.url()));
      const redeemAnswer = portal.page.waitForResponse((r) => new URL(r.url()).pathname.endsWith('/magic-link/redeem'));
      await portal.page.goto(signInLink);
      const redeemResponse = await redeemAnswer;
      assert.equal(redeemResponse.status(), 200, await redeemResponse.text());
      const session = await redeemResponse.json();
      assert.equal(session.email, EMAIL);
      await portal.page.getByTestId('portal-email').waitFor();

      // TRANS-3: the token left the address bar; it was never in a request URL.
      assert.equal(portal.page.url(), `${baseUrl}/#/p/${TENANT}/portal`);
      assert.ok(!portal.page.url().includes(linkToken), 'no link token in the address');
      assert.deepEqual(requested.filter((u) => u.includes(linkToken)), [], 'no request URL carries the link token');
      // PRIV-2: the session is in sessionStorage only.
      const state = await browserState(portal.page);
      assert.equal(state.localCount, 0, `localStorage is empty: ${state.local}`);
      assert.equal(state.cookie, '', 'no cookie visible to JavaScript');
      assert.deepEqual(await portal.context.cookies(), [], 'no cookie at all for the participant');
      assert.ok(state.session.includes(session.token), 'sessionStorage holds the participant session');
      assert.ok(!state.session.includes(linkToken), 'the link token is not kept');
      assert.ok(!state.local.includes(session.token) && !state.cookie.includes(session.token));

      // The portal: own details and the booking.
      const p = portal.page;
      assert.equal((await p.getByTestId('portal-name').innerText()).trim(), NAME);
      assert.equal((await p.getByTestId('portal-email').innerText()).trim(), EMAIL);
      const mine = p.locator(`[data-testid="portal-booking"][data-id="${booked.booking_id}"]`);
      await mine.waitFor();
      assert.equal(await mine.getAttribute('data-status'), 'confirmed');
      assert.equal((await mine.getByTestId('portal-booking-title').innerText()).trim(), TITLE);

      // A reload keeps the session (same tab); the address stays clean.
      await p.reload();
      await p.getByTestId('portal-email').waitFor();

      // Cancel, after the confirmation dialog.
      await mine.getByTestId('portal-booking-cancel').click();
      const dialog = p.getByTestId('portal-cancel-dialog');
      await dialog.waitFor({ state: 'visible' });
      assert.match(await dialog.innerText(), new RegExp(TITLE));
      await p.getByTestId('portal-cancel-dialog-confirm').click();
      await waitFor(async () => (await mine.getAttribute('data-status')) === 'cancelled', { message: 'cancelled in the portal' });
      assert.equal(await mine.getByTestId('portal-booking-cancel').count(), 0);
      assert.equal((await p.getByTestId('portal-bookings-message').innerText()).trim(), `Ihre Buchung für „${TITLE}“ ist storniert.`);

      // RIGHTS-1: everything stored, as a file.
      const [download] = await Promise.all([p.waitForEvent('download'), p.getByTestId('portal-export').click()]);
      const exportPath = join(suite.workDir, download.suggestedFilename() || 'export.json');
      await download.saveAs(exportPath);
      assert.match(download.suggestedFilename(), /\.json$/);
      const exportText = readFileSync(exportPath, 'utf8');
      const exported = JSON.parse(exportText);
      assert.ok(exported && typeof exported === 'object');
      assert.ok(exportText.includes(EMAIL), 'the export has the participant email');
      assert.ok(exportText.includes(booked.booking_id), 'the export has the booking');
      assert.ok(exportText.includes(TITLE), 'the export names the event');

      // A data-protection request and the mail opt-out.
      await p.getByTestId('portal-request-kind').selectOption('access');
      await p.getByTestId('portal-request-message').fill('Bitte senden Sie mir eine Kopie.');
      await p.getByTestId('portal-request-submit').click();
      await p.locator('[data-testid="portal-request-row"][data-kind="access"]').waitFor();
      assert.equal(await p.getByTestId('portal-request-message').inputValue(), '');
      assert.equal(await p.getByTestId('portal-mail-status').getAttribute('data-opt-out'), 'false');
      await p.getByTestId('portal-unsubscribe-reason').selectOption('too_many');
      await p.getByTestId('portal-unsubscribe-text').fill('Nur Buchungsbestätigungen, bitte.');
      await p.getByTestId('portal-unsubscribe-submit').click();
      await waitFor(async () => (await p.getByTestId('portal-mail-status').getAttribute('data-opt-out')) === 'true', {
        message: 'opted out',
      });
      await p.getByTestId('portal-resubscribe').waitFor();

      // English portal.
      await p.getByRole('button', { name: 'English' }).click();
      await p.getByRole('heading', { level: 1, name: 'My bookings' }).waitFor();
      assert.equal((await mine.getByTestId('portal-booking-status').innerText()).trim(), 'cancelled');
      assert.equal((await p.getByTestId('portal-export').innerText()).trim(), 'Download my data');
      assert.equal((await p.getByTestId('portal-mail-status').innerText()).trim(), 'You get no optional emails.');
      await p.getByRole('button', { name: 'Deutsch' }).click();

      // Sign out: the token is forgotten here and dead on the server.
      await p.getByTestId('portal-sign-out').click();
      await p.waitForURL(new RegExp(`#/p/${TENANT}/login$`));
      assert.ok(!(await browserState(p)).session.includes(session.token), 'sessionStorage no longer holds the session');
      assert.equal((await portalGet(p, '/api/v1/portal/me', session.token)).status, 401);
      await p.goto(`${baseUrl}/#/p/${TENANT}/portal`);
      await p.getByRole('heading', { level: 1, name: 'Meine Buchungen' }).waitFor();
      await p.waitForURL(new RegExp(`#/p/${TENANT}/login$`));

      // The link works once: opened again it is refused, with the form for a new one.
      reuse = await openPage(suite.browser);
      await reuse.page.goto(signInLink);
      await reuse.page.getByTestId('plogin-invalid').waitFor();
      assert.ok(!reuse.page.url().includes('token'), 'the token left the address bar here too');
      assert.equal(await reuse.page.getByTestId('plogin-email').count(), 1, 'the form to ask for a new link');

      // --- Staff: the booking shows as cancelled ----------------------------------------
      await page.reload();
      await page.getByTestId('event-heading').waitFor();
      const row = page.locator(`[data-testid="booking-row"][data-id="${booked.booking_id}"]`);
      await waitFor(
        async () => {
          await page.reload();
          await waitForState(page.getByTestId('bookings-status'), 'ok', 'bookings loaded');
          return (await row.getByTestId('booking-mail-status').getAttribute('data-status')) === 'sent';
        },
        { message: 'confirmation mail status "sent"', intervalMs: 500 },
      );
      assert.equal(await row.getAttribute('data-status'), 'cancelled');
      assert.equal(await row.getAttribute('data-email'), EMAIL);
      assert.equal((await row.getByTestId('booking-name').innerText()).trim(), NAME);
      assert.equal((await row.getByTestId('booking-status').innerText()).trim(), 'storniert');
      assert.equal((await row.getByTestId('booking-mail-status').innerText()).trim(), 'verschickt');
      assert.equal(await row.getByTestId('booking-cancel').count(), 0, 'nothing to cancel any more');
      assert.equal((await page.getByTestId('event-detail-booked').innerText()).trim(), '0 / 2');

      // The CSV has the booking.
      const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('bookings-csv').click()]);
      const csvPath = join(suite.workDir, `bookings-${csv.suggestedFilename() || 'export.csv'}`);
      await csv.saveAs(csvPath);
      const csvText = readFileSync(csvPath, 'utf8');
      assert.ok(csvText.includes(EMAIL), `the CSV lists the booking:\n${csvText}`);

      // PSEUDO-1: whole words or the whole address, no parts of words.
      await navTo(page, 'nav-participants');
      await page.getByRole('heading', { level: 1, name: 'Teilnehmende' }).waitFor();
      const search = async (q) => {
        await page.getByTestId('participants-q').fill(q);
        await page.getByTestId('participants-submit').click();
        await waitForState(page.getByTestId('participants-status'), 'ok', `search for ${q}`);
        return page.getByTestId('participant-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-email')));
      };
      assert.deepEqual(await search(EMAIL), [EMAIL]);
      assert.deepEqual(await search('mustermann'), [EMAIL]);
      assert.deepEqual(await search('Muster'), []);
      assert.equal((await page.getByTestId('participants-status').innerText()).trim(), 'Niemand gefunden für „Muster“.');

      // English staff view.
      await navTo(page, 'nav-events');
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { level: 1, name: 'Events' }).waitFor();
      await waitForState(page.getByTestId('events-status'), 'ok', 'events loaded');
      const listed = page.locator(`[data-testid="event-row"][data-id="${event.id}"]`);
      assert.equal((await listed.getByTestId('event-status').innerText()).trim(), 'published');
      assert.equal((await listed.getByTestId('event-booked').innerText()).trim(), '0 / 2');
      assert.equal((await page.getByTestId('nav-participants').innerText()).trim(), 'Participants');

      for (const opened of [staff, visitor, portal, reuse]) {
        assert.deepEqual(await opened.cspViolations(), [], 'no CSP violations');
        assert.deepEqual(opened.pageErrors, [], 'no uncaught page errors');
      }
    } finally {
      await staff.context.close();
      await visitor.context.close();
      await portal?.context.close();
      await reuse?.context.close();
    }
  });

  test('booking page errors: unknown event, fully booked without a waiting list (told by mail), English; staff move and cancel a booking', async () => {
    const { baseUrl } = suite.server;
    const admin = await apiSignIn(baseUrl);
    const input = {
      kind: 'course',
      title: 'Erste Hilfe',
      description: '',
      capacity: 1,
      waiting_list: false,
      fields: ['note'],
      sessions: [{ starts_at: '2030-07-01T08:00:00', ends_at: '2030-07-01T16:00:00' }],
    };
    const created = await admin.request('POST', '/api/v1/events', input);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const published = await admin.request('POST', `/api/v1/events/${created.body.id}/publish`);
    assert.equal(published.status, 200, JSON.stringify(published.body));
    const link = `${baseUrl}/#/book/${TENANT}/${created.body.id}`;

    const first = await openPage(suite.browser);
    const second = await openPage(suite.browser);
    let staff = null;
    try {
      // Unknown event.
      await first.page.goto(`${baseUrl}/#/book/${TENANT}/00000000-0000-7000-8000-000000000000`);
      const missing = first.page.getByTestId('book-status');
      await waitForState(missing, 'missing', 'unknown event');
      assert.match(await missing.innerText(), /gibt es nicht/);

      // The one seat.
      await first.page.goto(link);
      await first.page.getByTestId('book-note').fill('Vegetarisch');
      await first.page.getByTestId('book-name').fill('Max Muster');
      await first.page.getByTestId('book-email').fill('max@example.org');
      await first.page.getByTestId('book-consent').check();
      await first.page.getByTestId('book-submit').click();
      await first.page.getByTestId('book-result').waitFor();
      await first.page.goto(confirmationLink((await suite.mailbox.waitForMail({ to: 'max@example.org' })).text));
      await first.page.getByTestId('bconfirm-result').waitFor();

      // Full, no waiting list: the page says so, in English too; a request still gets the
      // one answer, and the mail says the event is full.
      await second.page.goto(link);
      await second.page.getByRole('button', { name: 'English' }).click();
      await second.page.getByTestId('book-full').waitFor();
      assert.equal((await second.page.getByTestId('book-seats').innerText()).trim(), 'fully booked');
      await second.page.getByTestId('book-name').fill('Eva Beispiel');
      await second.page.getByTestId('book-email').fill('eva@example.org');
      await second.page.getByTestId('book-note').fill('Komme mit dem Rad');
      await second.page.getByTestId('book-consent').check();
      await second.page.getByTestId('book-submit').click();
      await second.page.getByTestId('book-result').waitFor();
      assert.equal(
        (await second.page.getByTestId('book-result-text').innerText()).trim(),
        'Please confirm your booking through the link in the email.',
      );
      const full = await suite.mailbox.waitForMail({ to: 'eva@example.org' });
      assert.match(full.text, /fully booked and has no waiting list/);

      // Staff: move the booking to another event, then cancel it there (confirmation dialog).
      const laterTitle = 'Erste Hilfe (Nachtermin)';
      const later = await admin.request('POST', '/api/v1/events', { ...input, title: laterTitle, capacity: 5 });
      assert.equal(later.status, 201, JSON.stringify(later.body));
      assert.equal((await admin.request('POST', `/api/v1/events/${later.body.id}/publish`)).status, 200);
      staff = await openPage(suite.browser);
      const { page } = staff;
      await signIn(page, baseUrl);
      await page.goto(`${baseUrl}/#/events/${created.body.id}`);
      await waitForState(page.getByTestId('bookings-status'), 'ok', 'bookings loaded');
      const max = page.locator('[data-testid="booking-row"][data-email="max@example.org"]');
      assert.equal(await max.getAttribute('data-status'), 'confirmed');
      await max.getByTestId('booking-move-target').selectOption({ label: laterTitle });
      await max.getByTestId('booking-move').click();
      const moved = page.getByTestId('bookings-message');
      await moved.waitFor();
      assert.equal((await moved.innerText()).trim(), `Max Muster ist jetzt in „${laterTitle}“ (bestätigt).`);
      await waitFor(async () => (await max.count()) === 0, { message: 'the booking left this event' });
      await waitFor(async () => (await page.getByTestId('event-detail-booked').innerText()).trim() === '0 / 1', {
        message: 'the seat is free again',
      });

      await page.goto(`${baseUrl}/#/events/${later.body.id}`);
      await waitForState(page.getByTestId('bookings-status'), 'ok', 'bookings loaded');
      const there = page.locator('[data-testid="booking-row"][data-email="max@example.org"]');
      assert.equal(await there.getAttribute('data-status'), 'confirmed');
      await there.getByTestId('booking-cancel').click();
      const dialog = page.getByTestId('booking-cancel-dialog');
      await dialog.waitFor({ state: 'visible' });
      assert.match(await dialog.innerText(), /Max Muster/);
      await page.getByTestId('booking-cancel-dialog-confirm').click();
      await waitFor(async () => (await there.getAttribute('data-status')) === 'cancelled', { message: 'cancelled by staff' });
      assert.equal((await page.getByTestId('bookings-message').innerText()).trim(), 'Die Buchung von Max Muster ist storniert.');
      assert.ok(!(await dialog.isVisible()), 'the dialog is closed');

      for (const opened of [first, second, staff]) {
        assert.deepEqual(await opened.cspViolations(), [], 'no CSP violations');
        assert.deepEqual(opened.pageErrors, [], 'no uncaught page errors');
      }
    } finally {
      await first.context.close();
      await second.context.close();
      await staff?.context.close();
    }
  });
});
