// Reports and accessibility (issue 21), against the real server in Chromium:
// - the tenant admin opens "Berichte": every chart is drawn (a canvas in each figure), its
//   table holds the hand-counted numbers of the fixture, the CSV download holds the same
//   rows; no CSP violation and no console error (the charting library is bundled and sets
//   no inline style the strict policy would block); a screenshot `reports-1280.png` is kept
//   in the artifacts directory (`ANWESEND_TEST_ARTIFACTS`, default target/browser-artifacts);
// - axe-core (npm, evaluated in the page) finds no serious or critical violation on the
//   reports page, and then on every page of the app: each staff route signed in as the
//   tenant admin (with an event, a session list, a participant record, a portal session)
//   and the public pages.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { apiSignIn, browserSuite, navTo, openPage, PROJECT_ROOT, signIn, TENANT, UI_WAIT_MS, waitFor } from './harness.mjs';
import { book, MailFiles, magicLink } from './fixtures.mjs';

const ARTIFACTS = process.env.ANWESEND_TEST_ARTIFACTS ?? join(PROJECT_ROOT, 'target', 'browser-artifacts');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Serious and critical axe violations of the page as it is now (axe evaluated over CDP, so the CSP stays on). */
async function axeViolations(page) {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

const iso = (ms) => new Date(ms).toISOString().slice(0, 19);

describe('reports and accessibility', { timeout: 1_200_000 }, () => {
  const suite = browserSuite({ tenantAdmin: true, workDirPrefix: 'anwesend-reports-' });

  test('the reports page draws its charts with tables and CSV under the strict CSP and passes axe; so does every page', async () => {
    const baseUrl = suite.server.baseUrl;
    const admin = await apiSignIn(baseUrl);
    // A course with two ended sessions (yesterday and the day before, 09:00 UTC) and one ahead.
    const day = (d) => {
      const t = new Date(Date.now() - d * 86_400_000);
      t.setUTCHours(9, 0, 0, 0);
      return t.getTime();
    };
    const sessions = [day(2), day(1), day(-3)].map((start) => ({ starts_at: iso(start), ends_at: iso(start + 3_600_000) }));
    const created = await admin.request('POST', '/api/v1/events', {
      kind: 'course', title: 'Berichtskurs', description: '', capacity: 10, waiting_list: false, fields: [], sessions,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const event = created.body;
    assert.equal((await admin.request('POST', `/api/v1/events/${event.id}/publish`)).status, 200);
    const mails = new MailFiles(suite.server.dataDir);
    const anna = await book(suite.server, event, { name: 'Anna Bericht', email: 'anna.bericht@example.org' }, mails);
    const ben = await book(suite.server, event, { name: 'Ben Bericht', email: 'ben.bericht@example.org' }, mails);
    const detail = await admin.request('GET', `/api/v1/events/${event.id}`);
    const ids = detail.body.sessions.map((s) => s.id);
    // Anna at both, 5 and 25 minutes after the start (late the second time); Ben excused at the first.
    for (const [session, at] of [[ids[0], day(2) + 300_000], [ids[1], day(1) + 1_500_000]]) {
      const r = await admin.request('POST', '/api/v1/attendance', { session_id: session, booking_id: anna.booking_id, kind: 'check_in', occurred_at: iso(at) });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
    const excused = await admin.request('PUT', `/api/v1/event-sessions/${ids[0]}/absences`, { booking_id: ben.booking_id, excused: true, reason: 'ill', note: '' });
    assert.equal(excused.status, 200, JSON.stringify(excused.body));

    const opened = await openPage(suite.browser);
    const { page, consoleErrors, pageErrors, cspViolations } = opened;
    await page.setViewportSize({ width: 1280, height: 900 });
    try {
      await signIn(page, baseUrl);
      await navTo(page, 'nav-reports');
      await page.waitForURL(/#\/reports$/);
      await page.getByRole('heading', { level: 1, name: 'Berichte' }).waitFor();
      // Every chart is drawn: uPlot puts a canvas into each figure.
      for (const chart of ['chart-courses', 'chart-sessions', 'chart-punctuality', 'chart-no-shows', 'chart-hours']) {
        await page.locator(`[data-testid="${chart}"] canvas`).first().waitFor({ timeout: UI_WAIT_MS });
      }
      // Hand count: 2 sessions × 2 booked = 4, 2 present (Anna), 1 late, 2 no-shows, 50 %.
      const courseRow = page.getByTestId('report-courses-table').locator('tbody tr', { hasText: 'Berichtskurs' });
      assert.deepEqual(
        (await courseRow.locator('td').allInnerTexts()).map((t) => t.trim()),
        ['Berichtskurs', '2', '4', '2', '50'],
      );
      const sessionRows = page.getByTestId('report-sessions-table').locator('tbody tr');
      assert.equal(await sessionRows.count(), 2);
      assert.deepEqual((await sessionRows.nth(0).locator('td').allInnerTexts()).slice(2).map((t) => t.trim()), ['2', '1', '0', '1', '50']);
      assert.deepEqual((await sessionRows.nth(1).locator('td').allInnerTexts()).slice(2).map((t) => t.trim()), ['2', '1', '1', '0', '50']);
      const noShows = page.getByTestId('report-no-shows-table').locator('tbody tr', { hasText: 'Berichtskurs' });
      assert.deepEqual((await noShows.locator('td').allInnerTexts()).map((t) => t.trim()), ['Berichtskurs', '4', '2']);
      // Both of Anna's check-ins began in the same hour (09:05 and 09:25 UTC), no location.
      const hourRows = page.getByTestId('report-hours-table').locator('tbody tr');
      assert.equal(await hourRows.count(), 1);
      assert.deepEqual((await hourRows.nth(0).locator('td').allInnerTexts()).map((t) => t.trim()).filter((_, i) => i !== 1), ['ohne Ort', '2']);
      await page.getByTestId('report-devices').waitFor();
      assert.ok(!(await page.locator('main').innerText()).includes('Anna'), 'numbers only, no names');

      // The CSV holds the table's rows (BOM, quoted fields).
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-courses-csv').click()]);
      const file = join(suite.workDir, 'courses.csv');
      await download.saveAs(file);
      const csv = readFileSync(file, 'utf8');
      assert.ok(csv.startsWith('\uFEFF"Kurs","Termine","Gebucht","Anwesend","Quote (%)"'), csv);
      assert.match(csv, /"Berichtskurs","2","4","2","50"/);

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'reports-1280.png'), fullPage: true });
      assert.deepEqual(await cspViolations(), [], 'no CSP violation');
      assert.deepEqual(await axeViolations(page), [], 'reports page: no serious or critical axe violation');

      // Every staff page, signed in as the tenant admin.
      const participant = (await admin.request('GET', `/api/v1/events/${event.id}/bookings`)).body[0].participant_id;
      const staffRoutes = [
        '/', '/events', `/events/${event.id}`, `/sessions/${ids[0]}/attendance`, `/sessions/${ids[0]}/attendance/print`,
        '/participants', `/participants/${participant}/attendance`, '/import', '/mail-texts', '/devices', '/locations',
        '/members', '/sso', '/audit', '/deletion-log', '/requests', '/retention', '/processing-record', '/offboarding',
        '/account', '/reports', '/kiosk', '/toms',
      ];
      const found = {};
      for (const route of staffRoutes) {
        await page.goto(`${baseUrl}/#${route}`);
        await page.locator('main h1').first().waitFor();
        await page.waitForLoadState('networkidle').catch(() => {});
        // A table still loading is drawn faded (aria-busy); axe would measure its contrast.
        const settled = () => page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'), null, { timeout: UI_WAIT_MS });
        await settled();
        let v = await axeViolations(page);
        if (v.length > 0) {
          // A card that starts loading only once the page's own data is in (an event's
          // absences) can turn busy after the wait above; a hash route keeps the document,
          // so `networkidle` does not wait for it. Measure again once nothing loads: a real
          // violation is found again.
          await settled();
          v = await axeViolations(page);
        }
        if (v.length > 0) found[route] = v;
      }
      assert.deepEqual(found, {}, 'staff pages: no serious or critical axe violation');
      assert.deepEqual(await cspViolations(), [], 'no CSP violation on any staff page');
    } finally {
      await opened.context.close();
    }

    // The public pages and the portal, signed out.
    const visitor = await openPage(suite.browser);
    try {
      const p = visitor.page;
      await admin.request('PUT', '/api/v1/tenant/public-pages', { time_zone: 'Europe/Berlin', public_list_enabled: true, embed_origins: '' });
      const before = new Set(mails.all().map((m) => m.id));
      const link = await fetch(`${baseUrl}/api/v1/public/${TENANT}/magic-link`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: baseUrl },
        body: JSON.stringify({ email: 'anna.bericht@example.org' }),
      });
      assert.equal(link.status, 202);
      const mail = await waitFor(() => mails.all().find((m) => !before.has(m.id) && m.text.includes('login?token=')) ?? null, { message: 'the sign-in mail' });
      const publicRoutes = ['/login', `/login/${TENANT}`, '/forgot-password', '/verify', `/e/${TENANT}`, `/book/${TENANT}/${event.id}`, `/p/${TENANT}/login`];
      const found = {};
      for (const route of publicRoutes) {
        await p.goto(`${baseUrl}/#${route}`);
        await p.locator('main h1').first().waitFor();
        await p.waitForLoadState('networkidle').catch(() => {});
        await p.waitForFunction(() => !document.querySelector('[aria-busy="true"]'), null, { timeout: UI_WAIT_MS });
        const v = await axeViolations(p);
        if (v.length > 0) found[route] = v;
      }
      // The portal, through the sign-in link.
      await p.goto(magicLink(mail.text));
      await p.getByTestId('portal-absences').waitFor();
      const v = await axeViolations(p);
      if (v.length > 0) found['/p/portal'] = v;
      assert.deepEqual(found, {}, 'public pages and portal: no serious or critical axe violation');
      assert.deepEqual(await visitor.cspViolations(), [], 'no CSP violation');
    } finally {
      await visitor.context.close();
    }
    assert.deepEqual(pageErrors, [], 'no page errors');
    assert.deepEqual(consoleErrors.filter((t) => !/status of 40[134]/.test(t)), [], 'no console errors');
  });
});
