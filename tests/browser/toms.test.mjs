// The TOM evidence report (issue 20, TOM REVIEW-1) in the UI against the real server:
// - a platform admin (second factor) opens the platform console, follows its link to the TOM
//   report and sees one row per measure with its status in colour and words, the live evidence
//   (INPUT-5: every audit chain verified now) and the tests that prove it (collapsed);
// - downloads "Export (signiert)": the JSON verifies with the platform's public key (ECDSA
//   P-256 over the canonical report) and fails after one changed byte;
// - the tenant admin opens "Nachweise": only the measures that apply to the tenant, its slug,
//   no platform-only row; both pages pass axe (no serious or critical violation).
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { apiSignIn, browserSuite, freshTotp, navTo, openPage, signIn, TENANT } from './harness.mjs';
import { signInToCodeStep, submitCode } from './staff.mjs';

const OPERATOR = { email: 'betrieb@example.org', password: 'Leuchtturm-Wärter-Nebelhorn-9' };
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Serious and critical axe violations of the page as it is now. */
async function axeViolations(page) {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Checks a signed TOM report as an auditor would, with its public key (uncompressed P-256 point, hex). */
function verifies(bytes) {
  const text = bytes.toString('utf8');
  let document;
  try {
    document = JSON.parse(text);
  } catch {
    return false;
  }
  if (`${JSON.stringify(document)}\n` !== text) return false;
  const point = Buffer.from(document.signature.public_key, 'hex');
  const key = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') },
    format: 'jwk',
  });
  return verify('sha256', Buffer.from(JSON.stringify(document.report)), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(document.signature.value, 'hex'));
}

async function download(page, dir) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('toms-export').click()]);
  const path = join(dir, file.suggestedFilename());
  await file.saveAs(path);
  return { name: file.suggestedFilename(), bytes: readFileSync(path) };
}

describe('TOM evidence report', { timeout: 900_000 }, () => {
  const suite = browserSuite({ tenantAdmin: true, workDirPrefix: 'anwesend-toms-' });

  test('REVIEW-1 the platform admin reads the TOM report and downloads it signed; the tenant admin sees the tenant view', async () => {
    const { baseUrl } = suite.server;
    suite.server.cli(['admin', 'create-platform-admin', '--email', OPERATOR.email], { input: `${OPERATOR.password}\n` });
    const operatorApi = await apiSignIn(baseUrl, OPERATOR);
    const setup = await operatorApi.request('POST', '/api/v1/auth/totp/setup');
    assert.equal(setup.status, 200, JSON.stringify(setup.body));
    const secret = setup.body.secret.replace(/\s+/g, '');
    const enrolled = await freshTotp(secret);
    const confirm = await operatorApi.request('POST', '/api/v1/auth/totp/confirm', { code: enrolled.code, password: OPERATOR.password });
    assert.equal(confirm.status, 200, JSON.stringify(confirm.body));

    const operator = await openPage(suite.browser, { timezoneId: 'UTC' });
    const tenantAdmin = await openPage(suite.browser, { timezoneId: 'UTC' });
    try {
      const page = operator.page;
      await signInToCodeStep(page, baseUrl, OPERATOR);
      const { code } = await freshTotp(secret, enrolled.step);
      assert.deepEqual(await submitCode(page, code), { signedIn: true });
      await navTo(page, 'nav-platform');
      await page.getByTestId('platform-toms-link').click();
      await page.waitForURL(/#\/platform\/toms$/);
      const table = page.getByTestId('toms-table');
      await table.waitFor();

      const rows = page.getByTestId('toms-row');
      const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.id));
      assert.ok(ids.length > 40, `one row per measure: ${ids}`);
      for (const id of ['ACC-1', 'ACC-3', 'INPUT-5', 'AVAIL-1', 'AVAIL-3', 'DEL-4', 'TRANS-1']) assert.ok(ids.includes(id), id);
      const statuses = await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.status));
      assert.ok(statuses.every((s) => ['ok', 'attention', 'failing'].includes(s)), statuses.join());
      assert.ok(statuses.includes('ok'));
      // Status in words beside the colour, live evidence, the tests collapsed.
      const input5 = page.locator('[data-testid="toms-row"][data-id="INPUT-5"]');
      assert.equal(await input5.getAttribute('data-status'), 'ok');
      assert.equal(await input5.getAttribute('data-live'), 'true');
      assert.equal((await input5.getByTestId('toms-row-status').innerText()).trim(), 'in Ordnung');
      assert.match(await input5.innerText(), /audit chain\(s\) verified now, 0 broken/);
      const tests = input5.getByTestId('toms-tests');
      assert.equal(await tests.evaluate((d) => d.open), false, 'the tests are collapsed');
      await tests.locator('summary').click();
      assert.match(await tests.innerText(), /input_5_chain_detects_edit_delete_and_swap/);
      const summary = page.getByTestId('toms-summary');
      assert.equal(
        Number(await summary.getAttribute('data-ok')) + Number(await summary.getAttribute('data-attention')) + Number(await summary.getAttribute('data-failing')),
        ids.length,
      );
      await page.getByTestId('toms-print').waitFor();

      // The signed export.
      const exported = await download(page, suite.workDir);
      assert.equal(exported.name, 'tom-report-platform.json');
      const document = JSON.parse(exported.bytes.toString('utf8'));
      assert.equal(document.report.view, 'platform');
      assert.equal(document.report.format, 'anwesend-tom-report/1');
      assert.equal(document.report.rows.length, ids.length);
      assert.ok(verifies(exported.bytes), 'the export verifies with the platform key');
      const changed = Buffer.from(exported.bytes);
      const at = changed.indexOf('"evidence":"') + 14;
      changed[at] ^= 0x01;
      assert.ok(!verifies(changed), 'one changed byte fails');
      await page.getByTestId('toms-message').waitFor();
      assert.deepEqual(await axeViolations(page), [], 'platform TOM report: no serious or critical axe violation');

      // The tenant's view on "Nachweise".
      const tpage = tenantAdmin.page;
      await signIn(tpage, baseUrl);
      await navTo(tpage, 'nav-toms');
      await tpage.getByTestId('toms-table').waitFor();
      const tenantIds = await tpage.getByTestId('toms-row').evaluateAll((trs) => trs.map((tr) => tr.dataset.id));
      assert.ok(tenantIds.includes('INPUT-5') && tenantIds.includes('ACC-1'), tenantIds.join());
      assert.ok(!tenantIds.includes('AVAIL-3') && !tenantIds.includes('SEP-4'), 'no platform-only measure');
      assert.match(await tpage.getByTestId('toms').innerText(), new RegExp(TENANT));
      const tenantExport = await download(tpage, suite.workDir);
      const tenantDocument = JSON.parse(tenantExport.bytes.toString('utf8'));
      assert.equal(tenantDocument.report.view, 'tenant');
      assert.equal(tenantDocument.report.tenant_slug, TENANT);
      assert.ok(verifies(tenantExport.bytes), 'the tenant export verifies');
      assert.deepEqual(await axeViolations(tpage), [], 'tenant TOM report: no serious or critical axe violation');

      for (const p of [operator, tenantAdmin]) {
        assert.deepEqual(p.consoleErrors, [], 'no console errors');
        assert.deepEqual(p.pageErrors, [], 'no page errors');
        assert.deepEqual(await p.cspViolations(), [], 'no CSP violation');
      }
    } finally {
      await operator.context.close();
      await tenantAdmin.context.close();
    }
  });
});
