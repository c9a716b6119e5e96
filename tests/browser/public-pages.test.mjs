// The public event list, embedding and calendars (issue 23) against the real server:
// - the tenant admin turns the public list on and lists one origin that may embed (the
//   card on the events page, which shows the iframe snippet);
// - a visitor (no account) sees the list `#/e/{tenant}` with the published, bookable
//   events, filters it by month and by place, and goes on to a booking page;
// - a page of another origin on the allow-list embeds one event's booking form in an
//   iframe (the snippet's `/embed/…` address) and books through it; a page of an origin
//   that is not on the list gets no frame (CSP frame-ancestors), and the staff pages may
//   be framed by no one;
// - the confirmation mail carries an .ics file, and the instructor's calendar feed is an
//   .ics too: both are read with a real iCalendar parser (ical.js).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import ICAL from 'ical.js';
import { apiSignIn, attachmentsOf, browserSuite, freePort, navTo, openPage, signIn, TENANT, waitFor } from './harness.mjs';
import { book, MailFiles, waitForState } from './fixtures.mjs';

/** A club's web page on `http://localhost:{port}` that frames `src`. */
async function clubSite(src) {
  const port = await freePort();
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="de"><title>Verein</title><h1>Unser Verein</h1>
<iframe src="${src}" title="Veranstaltungen" width="100%" height="900" style="border:0"></iframe>`);
  });
  await new Promise((resolve) => server.listen(port, 'localhost', resolve));
  return { origin: `http://localhost:${port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Parses an iCalendar text with ical.js: the VEVENTs as { summary, start (UTC ISO), uid }. */
function parseIcs(text) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  assert.equal(calendar.name, 'vcalendar');
  assert.equal(calendar.getFirstPropertyValue('version'), '2.0');
  return calendar.getAllSubcomponents('vevent').map((vevent) => {
    const event = new ICAL.Event(vevent);
    return { summary: event.summary, start: event.startDate.toJSDate().toISOString(), uid: event.uid, location: event.location };
  });
}

async function event(admin, { title, location, startsAt, endsAt }) {
  const created = await admin.request('POST', '/api/v1/events', {
    kind: 'event',
    title,
    description: '',
    capacity: 10,
    waiting_list: false,
    fields: [],
    location_id: location,
    sessions: [{ starts_at: startsAt, ends_at: endsAt }],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const published = await admin.request('POST', `/api/v1/events/${created.body.id}/publish`);
  assert.equal(published.status, 200, JSON.stringify(published.body));
  return created.body;
}

describe('public event list, embedding and calendars', { timeout: 900_000 }, () => {
  const suite = browserSuite({ tenantAdmin: true, workDirPrefix: 'anwesend-public-' });

  test('the public list, an embedded booking from an allowed origin (refused from another), and .ics files a parser reads', async () => {
    const { baseUrl } = suite.server;
    const admin = await apiSignIn(baseUrl);
    const hall = await admin.request('POST', '/api/v1/locations', { name: 'Turnhalle Süd' });
    const club = await admin.request('POST', '/api/v1/locations', { name: 'Vereinsheim' });
    assert.equal(hall.status, 201);
    const yoga = await event(admin, {
      title: 'Yoga im Dezember',
      location: hall.body.id,
      startsAt: '2030-12-03T17:00:00',
      endsAt: '2030-12-03T18:30:00',
    });
    await event(admin, { title: 'Skat im Januar', location: club.body.id, startsAt: '2031-01-14T18:00:00', endsAt: '2031-01-14T21:00:00' });

    const allowed = await clubSite(`${baseUrl}/embed/${TENANT}#/book/${TENANT}/${yoga.id}`);
    const refused = await clubSite(`${baseUrl}/embed/${TENANT}#/e/${TENANT}`);
    const staff = await openPage(suite.browser);
    const visitor = await openPage(suite.browser);
    const host = await openPage(suite.browser);
    const other = await openPage(suite.browser);
    try {
      // Off by default: the list does not exist.
      await visitor.page.goto(`${baseUrl}/#/e/${TENANT}`);
      await waitForState(visitor.page.getByTestId('pub-status'), 'missing', 'the list is off');

      // --- The admin turns it on and allows one origin ------------------------------
      const { page } = staff;
      await signIn(page, baseUrl);
      await navTo(page, 'nav-events');
      const card = page.getByTestId('public-pages');
      await card.waitFor();
      assert.equal(await page.getByTestId('public-time-zone').inputValue(), 'Europe/Berlin');
      await page.getByTestId('public-list-enabled').check();
      await page.getByTestId('public-origins').fill(`https://nicht gültig\n${allowed.origin}`);
      await page.getByTestId('public-save').click();
      await page.getByTestId('public-origins-error').waitFor();
      await page.getByTestId('public-origins').fill(`${allowed.origin}/`);
      await page.getByTestId('public-save').click();
      await waitFor(async () => (await page.getByTestId('public-message').innerText()).includes('Gespeichert'), { message: 'saved' });
      assert.equal(await page.getByTestId('public-origins').inputValue(), allowed.origin, 'stored canonical');
      const snippet = await page.getByTestId('public-snippet').innerText();
      assert.ok(snippet.includes(`<iframe src="${baseUrl}/embed/${TENANT}#/e/${TENANT}"`), snippet);

      // --- A visitor uses the list ---------------------------------------------------
      const v = visitor.page;
      await v.reload();
      await v.getByTestId('pub-events').waitFor();
      // The demo tenant's own course comes first (next week); ours follow by date.
      const listed = await v.getByTestId('pub-event-title').allInnerTexts();
      assert.deepEqual(listed.slice(-2), ['Yoga im Dezember', 'Skat im Januar'], listed.join());
      assert.match(await v.getByTestId('time-zone-note').innerText(), /Europe\/Berlin/);
      // 17:00 UTC is 18:00 in Berlin in December.
      assert.match(await v.getByTestId('pub-event').filter({ hasText: 'Yoga im Dezember' }).innerText(), /18:00/);
      await v.getByTestId('pub-filter-month').fill('2031-01');
      await v.getByTestId('pub-filter-apply').click();
      await v.waitForURL(/#\/e\/demo\?month=2031-01$/);
      await waitFor(async () => (await v.getByTestId('pub-event-title').allInnerTexts()).join() === 'Skat im Januar', { message: 'January only' });
      await v.getByTestId('pub-filter-month').fill('');
      await v.getByTestId('pub-filter-location').selectOption({ label: 'Turnhalle Süd' });
      await v.getByTestId('pub-filter-apply').click();
      await waitFor(async () => (await v.getByTestId('pub-event-title').allInnerTexts()).join() === 'Yoga im Dezember', { message: 'the hall only' });
      await v.getByTestId('pub-event-book').click();
      await v.getByTestId('book-event-title').waitFor();
      assert.equal(await v.getByTestId('book-event-title').innerText(), 'Yoga im Dezember');
      const listText = await v.evaluate(async (slug) => (await fetch(`/api/v1/public/${slug}/events`)).text(), TENANT);
      assert.ok(!listText.includes('@'), `no personal data in the list: ${listText}`);

      // --- Embedded on the allowed origin: book through the frame ---------------------
      const mails = new MailFiles(suite.server.dataDir);
      for (const m of mails.all()) mails.seen.add(m.id);
      await host.page.goto(`${allowed.origin}/`);
      const frame = host.page.frameLocator('iframe');
      await frame.getByTestId('book-event-title').waitFor();
      assert.equal(await frame.getByTestId('book-event-title').innerText(), 'Yoga im Dezember');
      assert.equal(await frame.locator('header').count(), 0, 'no staff shell in the frame');
      await frame.getByTestId('book-name').fill('Erika Eingebettet');
      await frame.getByTestId('book-email').fill('erika.embed@example.org');
      await frame.getByTestId('book-consent').check();
      await frame.getByTestId('book-submit').click();
      await frame.getByTestId('book-result').waitFor();
      const linkMail = await mails.next('erika.embed@example.org');
      assert.match(linkMail.text, /\/confirm\?token=/, 'the request from the frame went through');
      assert.deepEqual(await host.cspViolations(), [], 'no CSP violations on the allowed page');

      // --- Another origin: no frame ------------------------------------------------------
      await other.page.goto(`${refused.origin}/`);
      await waitFor(() => other.consoleErrors.some((t) => /frame-ancestors/.test(t)), { message: 'the browser refuses the frame' });
      const framed = other.page.frames().find((f) => f !== other.page.mainFrame());
      assert.equal(await framed.locator('[data-testid="pub-events"], [data-testid="pub-status"]').count(), 0, 'nothing of ours in it');
      // The staff pages may be framed by no one, the allowed origin included.
      const shell = await fetch(`${baseUrl}/`);
      assert.match(shell.headers.get('content-security-policy'), /frame-ancestors 'none'/);
      assert.equal(shell.headers.get('x-frame-options'), 'DENY');
      const embed = await fetch(`${baseUrl}/embed/${TENANT}`);
      assert.match(embed.headers.get('content-security-policy'), new RegExp(`frame-ancestors ${allowed.origin}$`));

      // --- Calendars, read by a real parser ---------------------------------------------
      await book(suite.server, yoga, { name: 'Karl Kalender', email: 'karl@example.org' }, mails);
      const confirmation = await waitFor(
        () => mails.all().find((m) => m.to.includes('karl@example.org') && /bestätigt/.test(m.subject)) ?? null,
        { message: 'the confirmation mail' },
      );
      const raw = readFileSync(join(suite.server.dataDir, 'mail', confirmation.id), 'utf8');
      const [ics] = attachmentsOf(raw);
      assert.equal(ics?.type, 'text/calendar', raw);
      assert.equal(ics.filename, 'termine.ics');
      const entries = parseIcs(ics.text);
      assert.deepEqual(
        entries.map((e) => [e.summary, e.start, e.location]),
        [['Yoga im Dezember', '2030-12-03T17:00:00.000Z', 'Turnhalle Süd']],
      );
      assert.ok(!ics.text.includes('Karl') && !ics.text.includes('karl@'), 'nothing about the person');

      const feed = await admin.request('POST', '/api/v1/calendar-feed');
      assert.equal(feed.status, 201, JSON.stringify(feed.body));
      const fetched = await fetch(feed.body.url);
      assert.equal(fetched.status, 200);
      assert.match(fetched.headers.get('content-type'), /^text\/calendar/);
      assert.deepEqual(parseIcs(await fetched.text()), [], 'the admin teaches nothing: a valid, empty calendar');
      assert.equal((await admin.request('POST', '/api/v1/calendar-feed/revoke')).status, 204);
      assert.equal((await fetch(feed.body.url)).status, 404, 'revoked');

      assert.deepEqual(visitor.pageErrors, [], 'no uncaught page errors');
      assert.deepEqual(host.pageErrors, [], 'no uncaught page errors in the frame host');
    } finally {
      for (const p of [staff, visitor, host, other]) await p.context.close();
      await allowed.close();
      await refused.close();
    }
  });
});
