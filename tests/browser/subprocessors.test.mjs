// The sub-processor register (issue 20, TOM SUB-1, TRANS-5) in the UI against the real server:
// - a platform admin (second factor) opens "Unterauftragsverarbeiter (Register)" and plans a new
//   sub-processor: a date 10 days ahead is refused (the demo tenant has 30 days' notice) with
//   the problem's sentence, 30 days ahead is planned; the demo tenant's admin gets the notice
//   by mail (German and English, with the deadline);
// - the tenant admin opens "Unterauftragsverarbeiter": the change with its effective date and
//   objection deadline, objects with a reason;
// - the platform admin sees the objection (tenant, reason, time); axe-core finds no serious
//   or critical violation on either page; the tenant's processing record lists the register
//   in force (nothing before the effective date).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { ADMIN_EMAIL, apiSignIn, browserSuite, freshTotp, navTo, openPage, signIn, waitFor } from './harness.mjs';
import { MailFiles } from './fixtures.mjs';
import { signInToCodeStep, submitCode } from './staff.mjs';

const OPERATOR = { email: 'betrieb@example.org', password: 'Leuchtturm-Wärter-Nebelhorn-9' };
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const REASON = 'Unser Datenschutzkonzept lässt nur Rechenzentren in Deutschland zu.';

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

/** `YYYY-MM-DD` (UTC) `days` from today. */
function day(days) {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** A date as the German pages show it. */
function german(date) {
  return new Intl.DateTimeFormat('de-DE', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${date}T00:00:00Z`));
}

describe('sub-processor register', { timeout: 900_000 }, () => {
  const suite = browserSuite({ tenantAdmin: true });

  test('SUB-1 a planned change is announced with its deadline, the tenant objects, the operator sees the objection', async () => {
    const { baseUrl } = suite.server;
    suite.server.cli(['admin', 'create-platform-admin', '--email', OPERATOR.email], { input: `${OPERATOR.password}\n` });
    const operatorApi = await apiSignIn(baseUrl, OPERATOR);
    const setup = await operatorApi.request('POST', '/api/v1/auth/totp/setup');
    assert.equal(setup.status, 200, JSON.stringify(setup.body));
    const secret = setup.body.secret.replace(/\s+/g, '');
    const enrolled = await freshTotp(secret);
    const confirm = await operatorApi.request('POST', '/api/v1/auth/totp/confirm', { code: enrolled.code, password: OPERATOR.password });
    assert.equal(confirm.status, 200, JSON.stringify(confirm.body));
    const mails = new MailFiles(suite.server.dataDir);
    for (const m of mails.all()) mails.seen.add(m.id);

    const operator = await openPage(suite.browser, { timezoneId: 'UTC' });
    const tenantAdmin = await openPage(suite.browser, { timezoneId: 'UTC' });
    try {
      const page = operator.page;
      await signInToCodeStep(page, baseUrl, OPERATOR);
      const { code } = await freshTotp(secret, enrolled.step);
      assert.deepEqual(await submitCode(page, code), { signedIn: true });
      await navTo(page, 'nav-subprocessor-register');
      await page.getByTestId('subprocessor-plan-form').waitFor();
      await page.getByTestId('subprocessors-empty').waitFor();

      await page.getByTestId('subprocessor-kind').selectOption('add');
      await page.getByTestId('subprocessor-name').fill('Rechenzentrum Nord GmbH');
      await page.getByTestId('subprocessor-address').fill('Hafenstraße 1, 20457 Hamburg');
      await page.getByTestId('subprocessor-service').fill('Hosting der Server und Datenbanken');
      await page.getByTestId('subprocessor-data_categories').fill('alle in anwesend gespeicherten Daten');
      await page.getByTestId('subprocessor-country').fill('DE');
      await page.getByTestId('subprocessor-since').fill('2026-01-01');
      await page.getByTestId('subprocessor-note').fill('Zweiter Standort für die Ausfallsicherheit.');

      // Too close for the demo tenant's 30 days: refused with the sentence, nothing planned.
      await page.getByTestId('subprocessor-effective').fill(day(10));
      await page.getByTestId('subprocessor-plan-submit').click();
      const message = page.getByTestId('subprocessor-plan-message');
      await waitFor(async () => /mindestens mit seiner Frist/.test(await message.innerText().catch(() => '')), { message: 'notice_too_short shown' });
      assert.equal(await page.getByTestId('subprocessor-change').count(), 0);

      // 30 days ahead: planned and mailed.
      const effective = day(30);
      const until = day(29);
      await page.getByTestId('subprocessor-effective').fill(effective);
      await page.getByTestId('subprocessor-plan-submit').click();
      const change = page.getByTestId('subprocessor-change');
      await change.waitFor();
      assert.match(await change.getByTestId('subprocessor-change-effective').innerText(), new RegExp(german(effective).replace(/\./g, '\\.')));
      assert.equal(await change.getAttribute('data-objections'), '0');
      const mail = await mails.next(ADMIN_EMAIL);
      assert.match(mail.subject, /Geplante Änderung der Unterauftragsverarbeiter/);
      assert.match(mail.text, new RegExp(`Widerspruch möglich bis einschließlich: ${until}`));
      assert.match(mail.text, /--- English ---/);
      assert.match(mail.text, /Rechenzentrum Nord GmbH/);
      // The register as of the effective date shows it; today it is not in force yet.
      await page.getByTestId('subprocessors-at').fill(effective);
      await page.getByTestId('subprocessors-at-show').click();
      await page.getByTestId('subprocessors-register-row').waitFor();
      assert.match(await page.getByTestId('subprocessors-register').innerText(), /Rechenzentrum Nord GmbH/);
      assert.deepEqual(await axeViolations(page), [], 'platform register: no serious or critical axe violation');

      // The tenant admin sees the change with its deadline and objects with a reason.
      const tpage = tenantAdmin.page;
      await signIn(tpage, baseUrl);
      await navTo(tpage, 'nav-subprocessors');
      const card = tpage.getByTestId('tenant-subprocessor-change');
      await card.waitFor();
      assert.equal(await card.getAttribute('data-pending'), 'true');
      assert.match(await card.getByTestId('subprocessor-change-deadline').innerText(), new RegExp(`bis einschließlich ${german(until).replace(/\./g, '\\.')}`));
      assert.ok(await tpage.getByTestId('tenant-subprocessors-empty').isVisible(), 'nothing in force yet');
      assert.deepEqual(await axeViolations(tpage), [], 'tenant page: no serious or critical axe violation');
      await card.getByTestId('tenant-subprocessor-reason').fill(REASON);
      await card.getByTestId('tenant-subprocessor-object').click();
      await card.getByTestId('tenant-subprocessor-objected').waitFor();
      assert.equal(await card.getAttribute('data-objected'), 'true');
      assert.match(await card.getByTestId('tenant-subprocessor-objected').innerText(), /Rechenzentren in Deutschland/);
      assert.equal(await card.getByTestId('tenant-subprocessor-object-form').count(), 0, 'once');

      // RIGHTS-3: the processing record lists the register in force today (nothing yet).
      await tpage.goto(`${baseUrl}/#/processing-record`);
      await tpage.getByTestId('record-subprocessors-none').waitFor();
      assert.deepEqual(await axeViolations(tpage), [], 'processing record: no serious or critical axe violation');

      // The operator sees the objection.
      await page.reload();
      const objection = page.getByTestId('subprocessor-objection');
      await objection.waitFor();
      const text = await objection.innerText();
      assert.match(text, /demo/);
      assert.match(text, /Rechenzentren in Deutschland/);
      assert.equal(await page.getByTestId('subprocessor-change').getAttribute('data-objections'), '1');

      for (const p of [operator, tenantAdmin]) {
        assert.deepEqual(p.consoleErrors.filter((e) => !/status of 422/.test(e)), [], 'no console errors');
        assert.deepEqual(p.pageErrors, [], 'no page errors');
      }
    } finally {
      await operator.context.close();
      await tenantAdmin.context.close();
    }
  });
});
