// The tenant's second-factor requirement for admin roles (TOM ACC-6) and recovery codes:
// - the primary admin sets up their own TOTP, then ticks "Zwei-Faktor für Admin-Rollen
//   verlangen" on the members page (kept after a reload);
// - a newly invited tenant admin without a second factor signs in and lands on the
//   enrolment with an explanation; no other page opens and the API answers 401
//   `mfa_enrolment_required` until the enrolment is confirmed, then everything works;
// - the second factor cannot be switched off while the tenant requires it (409 shown);
// - a recovery code replaces the app's code once, and only once.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { browserSuite, navTo, openPage, signIn, submitLogin, waitFor } from './harness.mjs';
import {
  acceptInvitation,
  enrolTotp,
  invitationMail,
  invite,
  openMembersPage,
  pageGet,
  signInToCodeStep,
  submitCode,
} from './staff.mjs';

const SECOND_ADMIN = 'zweite-admin@example.org';
const SECOND_PASSWORD = 'Gruene-Ringe-Barren-77';

describe('second factor required for admins', { timeout: 900_000 }, () => {
  const suite = browserSuite({ tenantAdmin: true, mail: true });

  test('ACC-6 an admin without TOTP must enrol before anything else; recovery codes work once', async () => {
    const { baseUrl } = suite.server;
    const admin = await openPage(suite.browser);
    let second = null;
    try {
      // The primary admin protects their own account first, then requires it for all admins.
      await signIn(admin.page, baseUrl);
      const tenantName = (await admin.page.getByTestId('account-tenant').innerText()).trim();
      await navTo(admin.page, 'nav-account');
      await admin.page.getByRole('heading', { level: 2, name: 'Zwei-Faktor-Anmeldung' }).waitFor();
      await enrolTotp(admin.page, { wrongPasswordFirst: true });

      await openMembersPage(admin.page);
      const required = admin.page.getByTestId('security-mfa-required');
      await required.waitFor();
      assert.equal(await required.isChecked(), false, 'not required by default');
      await admin.page.getByText('Zwei-Faktor für Admin-Rollen verlangen').click();
      const saved = admin.page.getByTestId('security-message');
      await saved.waitFor();
      assert.equal((await saved.innerText()).trim(), 'Zwei-Faktor-Anmeldung für Admin-Rollen ist jetzt Pflicht.');
      await admin.page.reload();
      await admin.page.getByTestId('security-mfa-required').waitFor();
      assert.equal(await admin.page.getByTestId('security-mfa-required').isChecked(), true, 'kept after a reload');
      assert.equal((await pageGet(admin.page, '/api/v1/audit')).status, 200, 'the enrolled admin goes on working');

      // A second tenant admin is invited and sets a password.
      await invite(admin.page, { email: SECOND_ADMIN, role: 'tenant_admin' });
      const mail = await invitationMail(suite.mailbox, SECOND_ADMIN);
      second = await acceptInvitation(suite.browser, {
        link: mail.link,
        email: SECOND_ADMIN,
        password: SECOND_PASSWORD,
        tenantName,
        roleLabel: 'Mandanten-Admin',
      });
      const { page } = second;

      // Signing in leads to the enrolment, with the reason.
      await submitLogin(page, { email: SECOND_ADMIN, password: SECOND_PASSWORD });
      await page.waitForURL(/#\/account$/);
      const notice = page.getByTestId('mfa-enrol-required');
      await notice.waitFor();
      assert.match(await notice.innerText(), /Ihre Organisation verlangt für Ihre Rolle eine Zwei-Faktor-Anmeldung/);
      assert.equal(await page.getByTestId('nav-audit').count(), 0, 'no other pages in the navigation');
      assert.equal(await page.getByTestId('nav-members').count(), 0);
      assert.equal(await page.getByTestId('sessions-table').count(), 0, 'only the enrolment on the account page');
      const me = await pageGet(page, '/api/v1/auth/me');
      assert.equal(me.status, 200);
      assert.equal(me.body.stage, 'enrol');

      // Other pages send back to the enrolment; the API refuses until it is confirmed.
      await page.goto(`${baseUrl}/#/audit`);
      await page.waitForURL(/#\/account$/);
      await notice.waitFor();
      const audit = await pageGet(page, '/api/v1/audit');
      assert.deepEqual([audit.status, audit.code], [401, 'mfa_enrolment_required']);

      // Enrol: afterwards the account works like any other admin's.
      const { recoveryCodes } = await enrolTotp(page, { password: SECOND_PASSWORD });
      await waitFor(async () => (await page.getByTestId('mfa-enrol-required').count()) === 0, {
        message: 'the notice goes away',
      });
      await page.getByTestId('nav-audit').waitFor({ state: 'attached' });
      assert.equal((await pageGet(page, '/api/v1/audit')).status, 200);
      assert.equal((await pageGet(page, '/api/v1/auth/me')).body.stage, 'full');
      assert.equal(await page.getByTestId('mfa-recovery-code').count(), 10, 'the codes stay on screen until dismissed');
      await page.getByTestId('mfa-recovery-done').click();
      assert.equal(await page.getByTestId('mfa-recovery-codes').count(), 0);

      // The tenant requires the second factor: it cannot be switched off.
      await page.getByTestId('mfa-disable-password').fill(SECOND_PASSWORD);
      await page.getByTestId('mfa-disable-submit').click();
      const refusal = page.getByTestId('mfa-message');
      await waitFor(async () => /kann nicht ausgeschaltet werden/.test(await refusal.innerText()), {
        message: 'the refusal is shown',
      });
      assert.equal(
        (await refusal.innerText()).trim(),
        'Ihre Organisation verlangt die Zwei-Faktor-Anmeldung für Ihre Rolle – sie kann nicht ausgeschaltet werden.',
      );
      assert.equal(await page.getByTestId('mfa-status').getAttribute('data-state'), 'on');

      // A recovery code signs in once …
      await page.getByTestId('sign-out').click();
      await page.waitForURL(/#\/login$/);
      await signInToCodeStep(page, baseUrl, { email: SECOND_ADMIN, password: SECOND_PASSWORD });
      assert.deepEqual(await submitCode(page, recoveryCodes[3]), { signedIn: true });
      assert.equal((await pageGet(page, '/api/v1/audit')).status, 200);

      // … and not a second time; another one still does.
      await page.getByTestId('sign-out').click();
      await page.waitForURL(/#\/login$/);
      await signInToCodeStep(page, baseUrl, { email: SECOND_ADMIN, password: SECOND_PASSWORD });
      assert.deepEqual(await submitCode(page, recoveryCodes[3]), {
        error: 'Der Code stimmt nicht. Bitte versuchen Sie es erneut.',
      });
      assert.equal((await pageGet(page, '/api/v1/audit')).code, 'mfa_required', 'still waiting for the second factor');
      assert.deepEqual(await submitCode(page, recoveryCodes[4]), { signedIn: true });
      assert.equal((await pageGet(page, '/api/v1/audit')).status, 200);

      for (const p of [admin, second]) {
        assert.deepEqual(await p.cspViolations(), [], 'no CSP violations');
        assert.deepEqual(p.pageErrors, [], 'no uncaught page errors');
      }
    } finally {
      await admin.context.close();
      await second?.context.close();
    }
  });
});
