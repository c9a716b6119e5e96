// The deletion log web view against the real server:
// - PRIV-4 / DEL-3: the tenant admin opens the deletion log (what was deleted, why, on which
//   legal basis — never the deleted data), sees the empty state while nothing has been deleted,
//   filters by time and downloads signed CSV/JSON exports (checked with
//   `anwesend audit verify-export`); the exports are recorded in the audit trail.
// - The page is behind sign-in: signed out, #/deletion-log goes to the sign-in page and back.
//
// There is no way yet to record deletions from the UI, so the empty log and its signed export
// are what can be shown here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { browserSuite, navTo, openPage, signIn, submitLogin } from './harness.mjs';

const PROOF_PREFIX = '#anwesend-proof ';

describe('deletion log web view', { timeout: 900_000 }, () => {
  // A fresh server whose demo tenant has its admin (ADMIN_EMAIL), Chromium and a download directory.
  const suite = browserSuite({ tenantAdmin: true, workDirPrefix: 'anwesend-deletion-log-' });

  test('PRIV-4 tenant admin sees the deletion log and downloads it signed', async () => {
    const { context, page, pageErrors, cspViolations } = await openPage(suite.browser);
    try {
      await signIn(page, suite.server.baseUrl);
      await page.waitForURL(/#\/$/);

      // Tenant admins get the link next to "Protokoll".
      const navLinks = await page.locator('.app-nav__link').evaluateAll((links) =>
        links.map((a) => a.getAttribute('data-testid')),
      );
      const auditAt = navLinks.indexOf('nav-audit');
      assert.ok(auditAt >= 0, `nav has the audit link (${navLinks})`);
      assert.equal(navLinks[auditAt + 1], 'nav-deletion-log', 'deletion log link right after "Protokoll"');
      const nav = page.getByTestId('nav-deletion-log');
      assert.equal((await nav.innerText()).trim(), 'Löschprotokoll');
      await navTo(page, 'nav-deletion-log');
      await page.waitForURL(/#\/deletion-log$/);
      await page.getByRole('heading', { level: 1, name: 'Löschprotokoll' }).waitFor();
      assert.equal(await nav.getAttribute('aria-current'), 'page');

      // What the log is (and is not).
      const intro = (await page.getByTestId('deletion-intro').innerText()).trim();
      assert.match(intro, /was gelöscht wurde/);
      assert.match(intro, /Rechtsgrundlage/);
      assert.match(intro, /nie die gelöschten personenbezogenen Daten/);
      assert.match(intro, /PRIV-4/);

      // Nothing deleted yet: the empty state, no rows.
      const empty = page.getByTestId('deletion-empty');
      await empty.waitFor();
      assert.equal((await empty.innerText()).trim(), 'Noch keine Löschungen protokolliert.');
      assert.equal(await page.getByTestId('deletion-row').count(), 0);

      // The same through the API: an empty list for this tenant.
      const listed = await page.evaluate(async () => {
        const res = await fetch('/api/v1/deletion-log', { credentials: 'same-origin' });
        return { status: res.status, body: await res.json() };
      });
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body, { deletions: [] });

      // Signed exports as plain download links.
      const csvLink = page.getByTestId('deletion-export-csv');
      const jsonLink = page.getByTestId('deletion-export-json');
      assert.equal(await csvLink.getAttribute('href'), '/api/v1/deletion-log/export?format=csv');
      assert.equal(await jsonLink.getAttribute('href'), '/api/v1/deletion-log/export?format=json');

      const [csvDownload] = await Promise.all([page.waitForEvent('download'), csvLink.click()]);
      assert.equal(csvDownload.suggestedFilename(), 'deletion-log.csv');
      const csvPath = join(suite.workDir, csvDownload.suggestedFilename());
      await csvDownload.saveAs(csvPath);
      const lines = readFileSync(csvPath, 'utf8').trimEnd().split('\n');
      const proofLine = lines.at(-1);
      assert.ok(proofLine.startsWith(PROOF_PREFIX), `last CSV line is the proof (got ${JSON.stringify(proofLine)})`);
      const csvProof = JSON.parse(proofLine.slice(PROOF_PREFIX.length));
      assert.equal(csvProof.records, 0, 'no deletions in the export');
      const header = lines[0].split(',');
      for (const column of ['occurred_at', 'category', 'record_count', 'reason_code', 'reason_text', 'legal_basis']) {
        assert.ok(header.includes(column), `CSV has a ${column} column`);
      }
      assert.equal(lines.slice(1, -1).length, 0, 'no records between header and proof');
      suite.server.cli(['audit', 'verify-export', csvPath]);

      const [jsonDownload] = await Promise.all([page.waitForEvent('download'), jsonLink.click()]);
      assert.equal(jsonDownload.suggestedFilename(), 'deletion-log.json');
      const jsonPath = join(suite.workDir, jsonDownload.suggestedFilename());
      await jsonDownload.saveAs(jsonPath);
      const exported = JSON.parse(readFileSync(jsonPath, 'utf8'));
      assert.ok(exported.proof, 'JSON export carries a "proof"');
      assert.equal(exported.proof.records, 0);
      assert.deepEqual(exported.records, []);
      suite.server.cli(['audit', 'verify-export', jsonPath]);

      // Both downloads are in the audit trail.
      const exportsAudited = await page.evaluate(async () => {
        const q = new URLSearchParams({ action: 'deletion_log.exported' });
        return (await (await fetch(`/api/v1/audit?${q}`)).json()).entries.length;
      });
      assert.equal(exportsAudited, 2, 'each export is audited');

      // Time filters are entered in the tenant's zone (Europe/Berlin, +01:00 in winter) and
      // applied as UTC, kept in the route and the export links.
      await page.getByTestId('deletion-filter-to').fill('2000-01-01T00:00');
      await page.getByRole('button', { name: 'Filtern' }).click();
      await page.waitForURL(/#\/deletion-log\?to=1999-12-31T23%3A00%3A00$/);
      await page.getByText('Keine Löschungen in diesem Zeitraum.').waitFor();
      assert.equal(await csvLink.getAttribute('href'), '/api/v1/deletion-log/export?format=csv&to=1999-12-31T23%3A00%3A00');
      assert.equal(await jsonLink.getAttribute('href'), '/api/v1/deletion-log/export?format=json&to=1999-12-31T23%3A00%3A00');
      await page.reload();
      await page.getByText('Keine Löschungen in diesem Zeitraum.').waitFor();
      assert.match(await page.getByTestId('deletion-filter-to').inputValue(), /^2000-01-01T00:00(:00)?$/);
      const [filteredDownload] = await Promise.all([page.waitForEvent('download'), csvLink.click()]);
      const filteredPath = join(suite.workDir, `filtered-${filteredDownload.suggestedFilename()}`);
      await filteredDownload.saveAs(filteredPath);
      assert.ok(readFileSync(filteredPath, 'utf8').trimEnd().split('\n').at(-1).startsWith(PROOF_PREFIX));
      suite.server.cli(['audit', 'verify-export', filteredPath]);
      await page.getByRole('button', { name: 'Zurücksetzen' }).click();
      await page.waitForURL(/#\/deletion-log$/);
      await page.getByText('Noch keine Löschungen protokolliert.').waitFor();
      assert.equal(await csvLink.getAttribute('href'), '/api/v1/deletion-log/export?format=csv');

      // English view.
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { level: 1, name: 'Deletion log' }).waitFor();
      assert.equal((await empty.innerText()).trim(), 'No deletions recorded yet.');
      assert.equal((await nav.innerText()).trim(), 'Deletion log');
      assert.equal((await csvLink.innerText()).trim(), 'Export CSV');
      assert.match(await page.getByTestId('deletion-intro').innerText(), /never the deleted personal data/);

      assert.deepEqual(await cspViolations(), [], 'no CSP violations');
      assert.deepEqual(pageErrors, [], 'no uncaught page errors');
    } finally {
      await context.close();
    }
  });

  test('PRIV-4 the deletion log is reachable only signed in', async () => {
    const { context, page, pageErrors } = await openPage(suite.browser);
    try {
      // Signed out: the page sends the user to the sign-in page, the API answers 401.
      await page.goto(`${suite.server.baseUrl}/#/deletion-log`);
      await page.waitForURL(/#\/login\?next=%2Fdeletion-log$/);
      await page.getByRole('heading', { level: 1, name: 'Anmelden' }).waitFor();
      assert.equal(await page.getByTestId('nav-deletion-log').count(), 0, 'no link without a session');
      const api = await page.evaluate(async () => ({
        list: (await fetch('/api/v1/deletion-log')).status,
        export: (await fetch('/api/v1/deletion-log/export?format=csv')).status,
      }));
      assert.deepEqual(api, { list: 401, export: 401 });

      // After signing in, back to the page that was asked for.
      await submitLogin(page);
      await page.waitForURL(/#\/deletion-log$/);
      await page.getByRole('heading', { level: 1, name: 'Löschprotokoll' }).waitFor();
      await page.getByTestId('deletion-empty').waitFor();

      // Signed out again: closed again.
      await page.getByTestId('sign-out').click();
      await page.waitForURL(/#\/login$/);
      await page.goto(`${suite.server.baseUrl}/#/deletion-log`);
      await page.waitForURL(/#\/login\?next=%2Fdeletion-log$/);
      assert.equal(await page.getByTestId('deletion-empty').count(), 0);
      assert.deepEqual(pageErrors, []);
    } finally {
      await context.close();
    }
  });
});
