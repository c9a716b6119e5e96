// Staff sign-in and the audit log web view against the real server:
// - ACC-1 / TRANS-4: sign-in through the UI, the session is an HttpOnly cookie, every
//   state-changing request needs the CSRF token; a wrong password gets one generic message.
// - INPUT-3 / INPUT-4 / INPUT-5: the tenant admin pages and filters the tenant's audit
//   trail, downloads signed CSV/JSON exports (checked with `anwesend audit verify-export`)
//   and sees the chain status.
// - SEP-6 / PRIV-2: sign-out ends the server session, wipes sessionStorage and memory,
//   and protected pages send the user back to the sign-in page.
// - ACC-4: repeated failures are rate limited and the UI says when to retry.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ADMIN_EMAIL, browserSuite, navTo, openPage, signIn, submitLogin, waitFor } from './harness.mjs';

const LOCATIONS_TO_CREATE = 120;
const PAGE_SIZE = 50;

/** The rows on screen once the table has loaded: [{ seq, action }]. */
async function shownRows(page) {
  return page.evaluate(() => {
    const status = document.querySelector('[data-testid="audit-status"]');
    if (status?.getAttribute('data-state') !== 'ok') return null;
    return [...document.querySelectorAll('[data-testid="audit-row"]')].map((r) => ({
      seq: Number(r.getAttribute('data-seq')),
      action: r.getAttribute('data-action'),
    }));
  });
}

/**
 * Wait until the loaded table satisfies `accept(rows)` (the hash route changes
 * before React renders, so a plain "loaded" check could still see the old page).
 */
async function rowsWhen(page, accept, message) {
  return waitFor(
    async () => {
      const rows = await shownRows(page);
      return rows && accept(rows) ? rows : null;
    },
    { message },
  );
}

const seqs = (rows) => rows.map((r) => r.seq);

describe('audit log web view', { timeout: 900_000 }, () => {
  // A fresh server whose demo tenant has its admin (ADMIN_EMAIL), Chromium and a download directory.
  const suite = browserSuite({ tenantAdmin: true, workDirPrefix: 'anwesend-audit-' });

  test('ACC-1 a wrong password shows the generic error and leaves nothing behind', async () => {
    const { context, page, pageErrors } = await openPage(suite.browser);
    try {
      await page.goto(`${suite.server.baseUrl}/#/login`);
      await page.getByRole('heading', { level: 1, name: 'Anmelden' }).waitFor();
      await submitLogin(page, { password: 'definitely-not-the-password' });

      const error = page.getByTestId('login-error');
      await error.waitFor();
      assert.equal((await error.innerText()).trim(), 'E-Mail oder Passwort falsch.');
      assert.equal(await error.getAttribute('role'), 'alert');

      // The same message for an unknown account: nothing tells which part was wrong.
      await submitLogin(page, { email: 'nobody@example.org', password: 'definitely-not-the-password' });
      await waitFor(async () => (await page.getByTestId('login-submit').isEnabled()) && (await error.isVisible()), {
        message: 'second attempt answered',
      });
      assert.equal((await error.innerText()).trim(), 'E-Mail oder Passwort falsch.');

      // The password is not kept: the field is empty, nothing is in storage or the URL.
      assert.equal(await page.getByTestId('login-password').inputValue(), '');
      const state = await page.evaluate(() => ({
        session: Object.keys(sessionStorage),
        local: localStorage.length,
        hash: location.hash,
        search: location.search,
      }));
      assert.deepEqual(state.session, []);
      assert.equal(state.local, 0);
      assert.equal(state.hash, '#/login');
      assert.equal(state.search, '');
      assert.deepEqual(await context.cookies(), [], 'no session cookie after a failed sign-in');
      assert.equal(await page.getByTestId('sign-out').count(), 0);
      assert.deepEqual(pageErrors, []);
    } finally {
      await context.close();
    }
  });

  test('INPUT-3 INPUT-4 INPUT-5 tenant admin filters, pages and downloads the audit log', async () => {
    const { context, page, pageErrors, cspViolations } = await openPage(suite.browser);
    try {
      await signIn(page, suite.server.baseUrl);
      // A tenant admin lands on the start page; the audit log is one click away from there.
      await page.waitForURL(/#\/$/);
      await page.getByTestId('home-open-audit').waitFor();
      assert.equal((await page.getByTestId('account-email').innerText()).trim(), ADMIN_EMAIL);
      // The server's time on the status card is shown in the tenant's zone (Europe/Berlin).
      const serverTime = page.locator('.status-meta time').first();
      await serverTime.waitFor();
      const clock = await serverTime.evaluate((el) => ({ text: el.textContent, iso: el.getAttribute('datetime') }));
      const berlinClock = await page.evaluate(
        (iso) => new Intl.DateTimeFormat(document.documentElement.lang, { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'Europe/Berlin' }).format(new Date(iso)),
        clock.iso,
      );
      assert.equal(clock.text, berlinClock);

      // The session is an HttpOnly cookie that JavaScript cannot see.
      const cookies = await context.cookies();
      assert.equal(cookies.length, 1, `one session cookie (got ${JSON.stringify(cookies.map((c) => c.name))})`);
      assert.equal(cookies[0].httpOnly, true);
      assert.equal(await page.evaluate(() => document.cookie), '');

      // TRANS-4: without the CSRF token a state-changing request is refused; with it,
      // the locations are created (each one is an audit entry).
      const created = await page.evaluate(async (count) => {
        const me = await (await fetch('/api/v1/auth/me', { credentials: 'same-origin' })).json();
        const post = (name, csrf) =>
          fetch('/api/v1/locations', {
            method: 'POST',
            credentials: 'same-origin',
            headers: { 'Content-Type': 'application/json', ...(csrf ? { 'X-CSRF-Token': csrf } : {}) },
            body: JSON.stringify({ name }),
          });
        const refused = await post('Ohne Token');
        const statuses = [];
        for (let i = 1; i <= count; i += 1) {
          statuses.push((await post(`Raum ${String(i).padStart(3, '0')}`, me.csrf_token)).status);
        }
        return { refused: refused.status, refusedBody: await refused.json(), statuses, tenant: me.tenant };
      }, LOCATIONS_TO_CREATE);
      assert.equal(created.refused, 403, 'POST without X-CSRF-Token is refused');
      assert.equal(created.refusedBody.code, 'csrf_failed');
      assert.deepEqual(new Set(created.statuses), new Set([201]));
      assert.equal((await page.getByTestId('account-tenant').innerText()).trim(), created.tenant.name);

      // How many location.created entries the server holds (the demo data adds some).
      const locationEntries = await page.evaluate(async () => {
        let count = 0;
        let before = null;
        for (;;) {
          const q = new URLSearchParams({ action: 'location.created', limit: '200' });
          if (before !== null) q.set('before', String(before));
          const page = await (await fetch(`/api/v1/audit?${q}`)).json();
          count += page.entries.length;
          if (page.next_before === null || page.next_before === undefined) return count;
          before = page.next_before;
        }
      });
      assert.ok(locationEntries >= LOCATIONS_TO_CREATE, `${locationEntries} location.created entries`);

      // Open the audit log through the navigation; a reload proves the cookie restores the
      // session (the in-memory account is gone).
      await page.getByTestId('nav-home').click();
      await page.getByRole('heading', { level: 1, name: 'Willkommen bei anwesend' }).waitFor();
      await navTo(page, 'nav-audit');
      await page.getByRole('heading', { level: 1, name: 'Protokoll' }).waitFor();
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Protokoll' }).waitFor();
      assert.equal(await page.getByTestId('nav-audit').getAttribute('aria-current'), 'page');

      // Chain status (INPUT-5).
      const chain = page.getByTestId('chain-status');
      await page.locator('[data-testid="chain-status"][data-state="intact"]').waitFor();
      assert.match(await chain.innerText(), /Kette intakt/);

      // First page: 50 rows, newest first; accessible table.
      const page1 = seqs(await rowsWhen(page, (rows) => rows.length > 0, 'first page'));
      assert.equal(page1.length, PAGE_SIZE);
      assert.deepEqual(page1, [...page1].sort((a, b) => b - a), 'newest first');
      const table = page.getByRole('table', { name: 'Protokolleinträge, neueste zuerst' });
      assert.equal(await table.getByRole('columnheader').count(), 8);
      assert.ok(await page.getByRole('button', { name: 'Neueste' }).isDisabled());

      // Older entries.
      await page.getByTestId('audit-next').click();
      const page2 = seqs(
        await rowsWhen(page, (rows) => rows.length > 0 && Math.max(...seqs(rows)) < Math.min(...page1), 'second page'),
      );
      assert.equal(page2.length, PAGE_SIZE);
      assert.match(page.url(), /#\/audit\?before=\d+&page=2$/);
      assert.equal(page2[0], Math.min(...page1) - 1, 'no entry skipped between the pages');
      await page.getByTestId('audit-next').click();
      const page3 = seqs(
        await rowsWhen(page, (rows) => rows.length > 0 && Math.max(...seqs(rows)) < Math.min(...page2), 'third page'),
      );
      assert.ok(page3.length > 0);

      // Back to the newest.
      await page.getByRole('button', { name: 'Neueste' }).click();
      await rowsWhen(page, (rows) => rows[0]?.seq === page1[0], 'newest page again');

      // Filter by action.
      const select = page.getByTestId('audit-filter-action');
      await waitFor(async () => (await select.locator('option[value="location.created"]').count()) === 1, {
        message: 'action list loaded',
      });
      await select.selectOption('location.created');
      await page.getByRole('button', { name: 'Filtern' }).click();
      const filtered = await rowsWhen(
        page,
        (rows) => rows.length > 0 && rows.every((r) => r.action === 'location.created'),
        'filtered rows',
      );
      assert.equal(filtered.length, PAGE_SIZE);
      assert.match(page.url(), /#\/audit\?action=location\.created$/);
      // The cells of a loaded table (it may re-render once more after the route change).
      const cells = await waitFor(
        async () => {
          const texts = (await shownRows(page)) ? await page.getByTestId('audit-cell-action').allInnerTexts() : [];
          return texts.length === PAGE_SIZE ? texts : null;
        },
        { message: 'action cells of the filtered page' },
      );
      assert.deepEqual(new Set(cells.map((c) => c.trim())), new Set(['location.created']));
      // Paging keeps the filter.
      await page.getByTestId('audit-next').click();
      await rowsWhen(
        page,
        (rows) =>
          rows.length > 0 &&
          rows.every((r) => r.action === 'location.created') &&
          Math.max(...seqs(rows)) < Math.min(...seqs(filtered)),
        'filtered second page',
      );
      assert.match(page.url(), /#\/audit\?action=location\.created&before=\d+&page=2$/);

      // INPUT-4: signed exports with the current filter, as plain downloads.
      const csvLink = page.getByTestId('audit-export-csv');
      const jsonLink = page.getByTestId('audit-export-json');
      assert.match(await csvLink.getAttribute('href'), /^\/api\/v1\/audit\/export\?format=csv&action=location\.created$/);
      assert.match(await jsonLink.getAttribute('href'), /^\/api\/v1\/audit\/export\?format=json&action=location\.created$/);

      const [csvDownload] = await Promise.all([page.waitForEvent('download'), csvLink.click()]);
      assert.match(csvDownload.suggestedFilename(), /^audit-demo-\d{4}-\d{2}-\d{2}\.csv$/);
      const csvPath = join(suite.workDir, csvDownload.suggestedFilename());
      await csvDownload.saveAs(csvPath);
      const csv = readFileSync(csvPath, 'utf8');
      const lines = csv.trimEnd().split('\n');
      const proofLine = lines.at(-1);
      assert.ok(proofLine.startsWith('#anwesend-proof '), 'last CSV line is the proof');
      const csvProof = JSON.parse(proofLine.slice('#anwesend-proof '.length));
      const header = lines[0].split(',');
      const actionColumn = header.indexOf('action');
      assert.ok(actionColumn >= 0, 'CSV has an action column');
      const records = lines.slice(1, -1);
      assert.equal(records.length, locationEntries, 'CSV holds every matching entry');
      assert.equal(csvProof.records, locationEntries);
      assert.ok(records.every((line) => line.split(',')[actionColumn] === 'location.created'));
      suite.server.cli(['audit', 'verify-export', csvPath]);

      const [jsonDownload] = await Promise.all([page.waitForEvent('download'), jsonLink.click()]);
      assert.match(jsonDownload.suggestedFilename(), /^audit-demo-\d{4}-\d{2}-\d{2}\.json$/);
      const jsonPath = join(suite.workDir, jsonDownload.suggestedFilename());
      await jsonDownload.saveAs(jsonPath);
      const exported = JSON.parse(readFileSync(jsonPath, 'utf8'));
      assert.ok(exported.proof, 'JSON export carries a "proof"');
      assert.equal(exported.proof.records, locationEntries);
      assert.equal(exported.records.length, locationEntries);
      assert.ok(exported.records.every((r) => r.action === 'location.created'));
      suite.server.cli(['audit', 'verify-export', jsonPath]);

      // The exports themselves are audited (TRANS-6) and the chain stays intact.
      await page.getByRole('button', { name: 'Zurücksetzen' }).click();
      const newest = await rowsWhen(page, (rows) => rows[0]?.action === 'audit.exported', 'unfiltered newest page');
      assert.deepEqual(
        newest.slice(0, 2).map((r) => r.action),
        ['audit.exported', 'audit.exported'],
      );
      assert.match(page.url(), /#\/audit$/);

      // Times are shown in the tenant's zone (Europe/Berlin), the UTC instant in `datetime`.
      const shown = await page.locator('table time').first().evaluate((el) => ({ text: el.textContent, iso: el.getAttribute('datetime') }));
      const inBerlin = await page.evaluate(
        (iso) => new Intl.DateTimeFormat(document.documentElement.lang, { dateStyle: 'short', timeStyle: 'medium', timeZone: 'Europe/Berlin' }).format(new Date(iso)),
        shown.iso,
      );
      assert.equal(shown.text, inBerlin);
      // Time filters are entered in that zone and applied as UTC: nothing before 2000.
      await page.getByTestId('audit-filter-to').fill('2000-01-01T00:00');
      await page.getByRole('button', { name: 'Filtern' }).click();
      await rowsWhen(page, (rows) => rows.length === 0, 'no rows before 2000');
      assert.match(page.url(), /#\/audit\?to=1999-12-31T23%3A00%3A00$/);
      assert.equal((await page.getByTestId('audit-status').innerText()).trim(), 'Keine Einträge für diese Filter.');
      assert.ok(await page.getByTestId('audit-next').isDisabled());
      assert.match(await csvLink.getAttribute('href'), /to=1999-12-31T23%3A00%3A00/);
      await page.getByRole('button', { name: 'Zurücksetzen' }).click();
      await rowsWhen(page, (rows) => rows.length === PAGE_SIZE, 'unfiltered again');
      await page.getByTestId('chain-recheck').click();
      await page.locator('[data-testid="chain-status"][data-state="intact"]').waitFor();
      assert.match(await chain.innerText(), /Kette intakt/);

      // English view.
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
      assert.match(await chain.innerText(), /Chain intact/);
      assert.equal((await page.getByTestId('audit-next').innerText()).trim(), 'Older entries');
      assert.equal((await csvLink.innerText()).trim(), 'Export CSV');

      assert.deepEqual(await cspViolations(), [], 'no CSP violations');
      assert.deepEqual(pageErrors, [], 'no uncaught page errors');
    } finally {
      await context.close();
    }
  });

  test('SEP-6 PRIV-2 sign-out ends the session, wipes client state, protected pages go to sign-in', async () => {
    const { context, page, pageErrors } = await openPage(suite.browser);
    try {
      // A protected page without a session sends the user to the sign-in page …
      await page.goto(`${suite.server.baseUrl}/#/audit`);
      await page.waitForURL(/#\/login\?next=%2Faudit$/);
      await submitLogin(page);
      // … and back to it after signing in.
      await page.waitForURL(/#\/audit$/);
      await page.getByRole('heading', { level: 1, name: 'Protokoll' }).waitFor();
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();

      const beforeSignOut = await page.evaluate(() => Object.keys(sessionStorage));
      assert.deepEqual(beforeSignOut, ['anwesend.lang'], 'only the language in sessionStorage, no session data');

      await page.getByTestId('sign-out').click();
      await page.waitForURL(/#\/login$/);
      // The language choice went with everything else: German sign-in page.
      await page.getByRole('heading', { level: 1, name: 'Anmelden' }).waitFor();
      assert.equal(await page.getByTestId('sign-out').count(), 0);
      const after = await page.evaluate(async () => ({
        session: Object.keys(sessionStorage),
        local: localStorage.length,
        me: (await fetch('/api/v1/auth/me', { credentials: 'same-origin' })).status,
      }));
      assert.deepEqual(after.session, [], 'sessionStorage is empty after sign-out');
      assert.equal(after.local, 0);
      assert.equal(after.me, 401, 'the server session has ended');
      assert.deepEqual(await context.cookies(), [], 'the session cookie is gone');

      // The audit page (and its API) are closed again.
      await page.goto(`${suite.server.baseUrl}/#/audit`);
      await page.waitForURL(/#\/login\?next=%2Faudit$/);
      await page.reload();
      await page.waitForURL(/#\/login\?next=%2Faudit$/);
      await page.getByRole('heading', { level: 1, name: 'Anmelden' }).waitFor();
      const audit = await page.evaluate(async () => (await fetch('/api/v1/audit')).status);
      assert.equal(audit, 401);
      assert.deepEqual(pageErrors, []);
    } finally {
      await context.close();
    }
  });

  // Last in this file: the limiter may also count by source address.
  test('ACC-4 repeated failures are rate limited and the UI says when to retry', async () => {
    const { context, page } = await openPage(suite.browser);
    try {
      await page.goto(`${suite.server.baseUrl}/#/login`);
      await page.getByRole('heading', { level: 1, name: 'Anmelden' }).waitFor();
      const error = page.getByTestId('login-error');
      let text = '';
      for (let attempt = 1; attempt <= 20; attempt += 1) {
        await submitLogin(page, { email: 'locked@example.org', password: `wrong-password-${attempt}` });
        await waitFor(async () => (await page.getByTestId('login-submit').isEnabled()) && (await error.isVisible()), {
          message: `attempt ${attempt} answered`,
        });
        text = (await error.innerText()).trim();
        if (text !== 'E-Mail oder Passwort falsch.') break;
      }
      assert.match(text, /^Zu viele Versuche, bitte in \d+ s erneut versuchen\.$/);
    } finally {
      await context.close();
    }
  });
});
