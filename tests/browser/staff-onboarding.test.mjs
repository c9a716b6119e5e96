// Staff accounts end to end (issue #4) against the real server and an SMTP sink:
// - an admin invites a colleague from the members page; the invitation mail arrives
//   with a link; opening it takes the token out of the address bar at once, shows what
//   the invitation is for, refuses a weak password and sets a good one;
// - the colleague signs in, sets up TOTP on the account page (QR code drawn as SVG from
//   the server's matrix, key as text, ten recovery codes shown once), and from then on
//   needs a code after the password (a wrong one is refused, a recovery code works);
// - the colleague ends another of their sessions, which answers 401 at once (ACC-8);
// - the access review shows the colleague's last sign-in, second factor and live
//   sessions; the admin adds a role and the colleague's very next request has it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ADMIN_EMAIL, browserSuite, freshTotp, navTo, openPage, signIn, submitLogin, waitFor } from './harness.mjs';
import {
  acceptInvitation,
  enrolTotp,
  invitationMail,
  invite,
  memberRow,
  meStatus,
  openMembersPage,
  pageGet,
  signInToCodeStep,
  submitCode,
} from './staff.mjs';

const COLLEAGUE = 'kollegin@example.org';
const COLLEAGUE_PASSWORD = 'Sonnige-Turnhalle-2031';

/** Session rows on the account page once loaded: [{ id, current }]. */
async function sessionRows(page) {
  return page.evaluate(() => {
    const status = document.querySelector('[data-testid="sessions-status"]');
    if (status?.getAttribute('data-state') !== 'ok') return null;
    return [...document.querySelectorAll('[data-testid="session-row"]')].map((row) => ({
      id: row.getAttribute('data-id'),
      current: row.getAttribute('data-current') === 'true',
    }));
  });
}

describe('staff onboarding', { timeout: 900_000 }, () => {
  // A fresh server whose demo tenant has its primary admin, an SMTP sink and Chromium.
  const suite = browserSuite({ tenantAdmin: true, mail: true });

  test('AUTHZ-3 AUTHZ-5 ACC-6 ACC-8 invite, accept, enrol TOTP, sign in with a code, end a session, review access, change roles', async () => {
    const { baseUrl } = suite.server;
    const admin = await openPage(suite.browser);
    let colleague = null;
    const third = await openPage(suite.browser);
    try {
      // The primary admin invites a colleague as organiser.
      await signIn(admin.page, baseUrl);
      const tenantName = (await admin.page.getByTestId('account-tenant').innerText()).trim();
      await openMembersPage(admin.page);
      const self = memberRow(admin.page, ADMIN_EMAIL);
      await self.getByTestId('member-self').waitFor();
      assert.equal((await self.getByTestId('member-mfa').innerText()).trim(), 'nein');
      await invite(admin.page, { email: COLLEAGUE, role: 'organiser' });

      // The mail arrives with a link to this server.
      const mail = await invitationMail(suite.mailbox, COLLEAGUE);
      assert.ok(mail.subject.trim().length > 0, 'the mail has a subject');
      assert.ok(mail.link.startsWith(`${baseUrl}/#/invitation?token=`), `link to this server: ${mail.link}`);

      // The pending invitation shows that its mail went out.
      const pending = admin.page.locator(`[data-testid="invitation-row"][data-email="${COLLEAGUE}"]`);
      await waitFor(
        async () => {
          await admin.page.reload();
          await admin.page.getByRole('heading', { level: 1, name: 'Mitglieder' }).waitFor();
          await waitFor(async () => (await admin.page.getByTestId('invitations-status').getAttribute('data-state')) === 'ok', {
            message: 'invitations loaded',
          });
          return (await pending.getByTestId('invitation-mail-status').getAttribute('data-status')) === 'sent';
        },
        { message: 'mail status "sent"', intervalMs: 500 },
      );
      assert.equal((await pending.getByTestId('invitation-mail-status').innerText()).trim(), 'verschickt');
      assert.equal((await pending.locator('td').nth(1).innerText()).trim(), 'Organisation');

      // Opened and reloaded, the page has lost the token for good and says what to do.
      const probe = await openPage(suite.browser);
      try {
        await probe.page.goto(mail.link);
        await probe.page.getByTestId('invitation-preview').waitFor();
        assert.ok(!probe.page.url().includes('token'), 'token removed from the address bar');
        await probe.page.reload();
        const lost = probe.page.getByTestId('invitation-invalid');
        await lost.waitFor();
        assert.match(await lost.innerText(), /Link aus der Einladungs-E-Mail/);
        assert.deepEqual(probe.pageErrors, []);
      } finally {
        await probe.context.close();
      }

      // In a second browser: a weak password is refused with the server's reason, a good one taken.
      colleague = await acceptInvitation(suite.browser, {
        link: mail.link,
        email: COLLEAGUE,
        password: COLLEAGUE_PASSWORD,
        tenantName,
        roleLabel: 'Organisation',
        weakPassword: `${COLLEAGUE}-2031`,
      });
      assert.match(colleague.weakError, /^Dieses Passwort ist zu schwach\.\s+\S/, `weak password explained: ${colleague.weakError}`);
      const { page } = colleague;

      // Sign in: no second factor yet, so straight in.
      await submitLogin(page, { email: COLLEAGUE, password: COLLEAGUE_PASSWORD });
      await page.getByTestId('nav-account').waitFor();
      assert.equal((await page.getByTestId('account-email').innerText()).trim(), COLLEAGUE);
      assert.equal(await page.getByTestId('nav-members').count(), 0, 'an organiser has no members page');

      // Set up TOTP on the account page.
      await navTo(page, 'nav-account');
      await page.getByRole('heading', { level: 2, name: 'Zwei-Faktor-Anmeldung' }).waitFor();
      const { secret, step: enrolStep, recoveryCodes } = await enrolTotp(page, { password: COLLEAGUE_PASSWORD });

      // Sign out and in again: now the code step comes after the password.
      await page.getByTestId('sign-out').click();
      await page.waitForURL(/#\/login$/);
      await signInToCodeStep(page, baseUrl, { email: COLLEAGUE, password: COLLEAGUE_PASSWORD });
      assert.equal(await pageGet(page, '/api/v1/auth/sessions').then((r) => r.status), 401, 'nothing works before the code');
      const wrong = (await freshTotp(secret)).code === '000000' ? '111111' : '000000';
      const refused = await submitCode(page, wrong);
      assert.deepEqual(refused, { error: 'Der Code stimmt nicht. Bitte versuchen Sie es erneut.' });
      const { code } = await freshTotp(secret, enrolStep);
      assert.deepEqual(await submitCode(page, code), { signedIn: true });
      assert.equal((await page.getByTestId('account-email').innerText()).trim(), COLLEAGUE);
      assert.equal(await meStatus(page), 200);

      // A third browser signs in as the colleague with a recovery code.
      await signInToCodeStep(third.page, baseUrl, { email: COLLEAGUE, password: COLLEAGUE_PASSWORD });
      assert.deepEqual(await submitCode(third.page, recoveryCodes[0]), { signedIn: true });
      assert.equal(await meStatus(third.page), 200);

      // The colleague ends that session on the account page; it is gone at once.
      await navTo(page, 'nav-account');
      await page.getByRole('heading', { level: 1, name: 'Mein Konto' }).waitFor();
      const rows = await waitFor(async () => {
        const r = await sessionRows(page);
        return r && r.length === 2 ? r : null;
      }, { message: 'two sessions listed' });
      const other = rows.find((r) => !r.current);
      await page.locator(`[data-testid="session-row"][data-id="${other.id}"] [data-testid="session-end"]`).click();
      await waitFor(async () => (await sessionRows(page))?.length === 1, { message: 'one session left' });
      assert.equal(await meStatus(third.page), 401, 'the ended session answers 401');
      assert.equal(await meStatus(page), 200, 'this session stays');

      // Access review: the admin sees the colleague's sign-in, second factor and sessions.
      await admin.page.reload();
      await admin.page.getByRole('heading', { level: 1, name: 'Mitglieder' }).waitFor();
      await waitFor(async () => (await admin.page.getByTestId('members-status').getAttribute('data-state')) === 'ok', {
        message: 'members loaded',
      });
      const row = memberRow(admin.page, COLLEAGUE);
      await row.waitFor();
      assert.equal(await row.getAttribute('data-roles'), 'organiser');
      assert.equal((await row.getByTestId('member-roles').innerText()).trim(), 'Organisation');
      assert.equal((await row.getByTestId('member-mfa').innerText()).trim(), 'ja');
      assert.equal((await row.getByTestId('member-sessions').innerText()).trim(), '1');
      const cells = (await row.locator('td').allInnerTexts()).map((c) => c.trim());
      assert.match(cells[2], /\d{2}\.\d{2}\.\d{2}.*\d{2}:\d{2}/, `last sign-in shown: ${cells[2]}`);
      assert.equal(await row.getByTestId('member-dormant').count(), 0);
      assert.equal(await row.getByTestId('member-disabled').count(), 0);
      await waitFor(async () => (await admin.page.getByTestId('invitations-status').getAttribute('data-state')) === 'ok', {
        message: 'invitations loaded',
      });
      assert.equal(
        await admin.page.locator(`[data-testid="invitation-row"][data-email="${COLLEAGUE}"]`).count(),
        0,
        'the accepted invitation is no longer pending',
      );

      // Roles: the colleague may not read the members yet; the admin adds tenant admin.
      assert.equal((await pageGet(page, '/api/v1/members')).status, 403);
      await row.getByTestId('member-edit').click();
      const editor = admin.page.getByTestId('role-editor');
      await editor.waitFor();
      assert.ok(await editor.getByTestId('role-organiser').isChecked());
      assert.ok(!(await editor.getByTestId('role-tenant_admin').isChecked()));
      await editor.getByTestId('role-tenant_admin').check();
      await editor.getByTestId('member-roles-save').click();
      const message = admin.page.getByTestId('members-message');
      await message.waitFor();
      assert.equal((await message.innerText()).trim(), `Rollen von ${COLLEAGUE} gespeichert.`);
      await waitFor(async () => (await row.getAttribute('data-roles')) === 'organiser,tenant_admin', {
        message: 'the new role in the table',
      });
      assert.equal(await editor.count(), 0, 'the editor closes');

      // The colleague's next request has the new role; after a reload the navigation shows it.
      assert.equal((await pageGet(page, '/api/v1/members')).status, 200);
      await page.reload();
      await page.getByTestId('nav-members').waitFor({ state: 'attached' });
      await openMembersPage(page);
      await memberRow(page, COLLEAGUE).getByTestId('member-self').waitFor();

      for (const p of [admin, colleague, third]) {
        assert.deepEqual(await p.cspViolations(), [], 'no CSP violations');
        assert.deepEqual(p.pageErrors, [], 'no uncaught page errors');
      }
    } finally {
      await admin.context.close();
      await colleague?.context.close();
      await third.context.close();
    }
  });
});
