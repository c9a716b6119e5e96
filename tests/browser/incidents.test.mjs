// The incident register (issue 20, TOM BREACH-1, BREACH-2) in the UI against the real server:
// - a platform admin (second factor) opens "Vorfallregister", fills in the Art. 33 facts, chooses
//   the scope (all tenants, a window around now) and computes it: the demo tenant with its one
//   booked person and one booking (numbers only, no name);
// - records the incident: the 72-hour clock is shown, the demo tenant's draft holds the numbers;
//   sends it after the confirmation dialog: the tenant's admin gets the mail (German and English);
// - the tenant admin opens "Vorfälle", reads the notification and acknowledges it; the platform
//   admin's incident page then shows the acknowledgement on the notice and on the timeline.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ADMIN_EMAIL, apiSignIn, browserSuite, freshTotp, navTo, openPage, signIn, waitFor } from './harness.mjs';
import { book, MailFiles, publishedCourse } from './fixtures.mjs';
import { signInToCodeStep, submitCode } from './staff.mjs';

const OPERATOR = { email: 'betrieb@example.org', password: 'Leuchtturm-Wärter-Nebelhorn-9' };
const PERSON = { name: 'Ida Inzident', email: 'ida.inzident@example.org' };

/** `YYYY-MM-DDTHH:MM` in UTC (the pages run in the UTC zone here), `hours` from now. */
function local(hours) {
  return new Date(Date.now() + hours * 3_600_000).toISOString().slice(0, 16);
}

describe('incident register', { timeout: 900_000 }, () => {
  const suite = browserSuite({ tenantAdmin: true });

  test('BREACH-1 BREACH-2 an incident is opened with a computed scope, sent, and the tenant acknowledges it', async () => {
    const { baseUrl } = suite.server;
    const admin = await apiSignIn(baseUrl);
    const course = await publishedCourse(admin, 'Vorfallkurs');
    await book(suite.server, course, PERSON);
    suite.server.cli(['admin', 'create-platform-admin', '--email', OPERATOR.email], { input: `${OPERATOR.password}\n` });
    // The operator's second factor, enrolled over the API (the UI's enrolment has its own tests).
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
      await navTo(page, 'nav-incident-register');
      await page.getByTestId('incident-form').waitFor();

      // The facts and the scope; the scope is computed before anything is recorded.
      await page.getByTestId('incident-title').fill('Phishing eines Admin-Kontos');
      await page.getByTestId('incident-description').fill('Ein Admin-Passwort wurde auf einer gefälschten Seite eingegeben.');
      await page.getByTestId('incident-nature').selectOption('confidentiality');
      await page.getByTestId('incident-data_categories').fill('Namen, E-Mail-Adressen, Buchungen');
      await page.getByTestId('incident-systems').fill('anwesend Web-Oberfläche');
      await page.getByTestId('incident-measures').fill('Sitzungen beendet, Passwort zurückgesetzt.');
      await page.getByTestId('incident-consequences').fill('Einblick Unbefugter in Teilnehmerlisten möglich.');
      await page.getByTestId('incident-contact').fill('Datenschutz Betrieb, datenschutz@example.org');
      await page.getByTestId('incident-discovered').fill(local(-1));
      await page.getByTestId('incident-started').fill(local(-2));
      await page.getByTestId('incident-scope-kind').selectOption('all_tenants');
      await page.getByTestId('incident-scope-from').fill(local(-24));
      await page.getByTestId('incident-scope-to').fill(local(1));
      await page.getByTestId('incident-scope-compute').click();
      const scope = page.getByTestId('incident-scope');
      await scope.waitFor();
      const row = page.locator('[data-testid="incident-scope-tenant"][data-slug="demo"]');
      assert.deepEqual(
        (await row.locator('td').allInnerTexts()).slice(1).map((s) => s.trim()),
        ['1', '1'],
        'one person, one booking in the demo tenant',
      );
      assert.ok(!(await scope.innerText()).includes(PERSON.name), 'numbers only');

      await page.getByTestId('incident-submit').click();
      const clock = page.getByTestId('incident-clock');
      await clock.waitFor();
      assert.equal(await clock.getAttribute('data-overdue'), 'false');
      assert.match(await clock.innerText(), /noch 7[01] Stunden/);
      const notice = page.locator('[data-testid="incident-notice"][data-tenant="demo"]');
      assert.equal(await notice.getAttribute('data-status'), 'draft');
      assert.match(await notice.getByTestId('incident-notice-figures').innerText(), /1 Personen, 1 Datensätze/);

      // Sent after the confirmation: the tenant's admin gets the mail.
      await notice.getByTestId('incident-notice-send').click();
      await page.getByTestId('incident-notice-dialog-confirm').click();
      await waitFor(async () => (await notice.getAttribute('data-status')) === 'sent', { message: 'the notice is sent' });
      const mail = await mails.next(ADMIN_EMAIL);
      assert.match(mail.subject, /Meldung einer Verletzung des Schutzes personenbezogener Daten: Phishing eines Admin-Kontos/);
      assert.match(mail.text, /Ungefähre Zahl betroffener Personen in Ihrem Mandanten: 1/);
      assert.match(mail.text, /--- English ---/);

      // The tenant admin reads it on "Vorfälle" and acknowledges it.
      const tpage = tenantAdmin.page;
      await signIn(tpage, baseUrl);
      await navTo(tpage, 'nav-incidents');
      const card = tpage.getByTestId('tenant-incident');
      await card.waitFor();
      assert.match(await card.getByTestId('tenant-incident-text').innerText(), /datenschutz@example\.org/);
      assert.equal(await card.getAttribute('data-acknowledged'), 'false');
      await card.getByTestId('tenant-incident-acknowledge').click();
      await card.getByTestId('tenant-incident-acknowledged').waitFor();
      assert.equal(await card.getAttribute('data-acknowledged'), 'true');

      // The operator sees the acknowledgement on the notice and on the timeline.
      await page.reload();
      await page.getByTestId('incident-notice-acknowledged').waitFor();
      const kinds = await page.getByTestId('incident-timeline').locator('li').evaluateAll((items) => items.map((li) => li.dataset.kind));
      assert.deepEqual(kinds, ['opened', 'notice_sent', 'acknowledged']);

      for (const p of [operator, tenantAdmin]) {
        assert.deepEqual(p.consoleErrors, [], 'no console errors');
        assert.deepEqual(p.pageErrors, [], 'no page errors');
      }
    } finally {
      await operator.context.close();
      await tenantAdmin.context.close();
    }
  });
});
