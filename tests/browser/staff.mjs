// Helpers shared by the staff-account browser tests (invitations, second factor,
// members page, tenant switch). Not a test file itself.
import assert from 'node:assert/strict';
import { ADMIN_PASSWORD, freshTotp, invitationLink, navTo, openPage, submitLogin, totpCode, waitFor } from './harness.mjs';

/** `{ status, code, body }` of a GET from inside `page` (its session cookie). */
export async function pageGet(page, path) {
  return page.evaluate(async (p) => {
    const res = await fetch(p, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } });
    const text = await res.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    return { status: res.status, code: body && typeof body === 'object' ? (body.code ?? null) : null, body };
  }, path);
}

/** Status of `GET /api/v1/auth/me` from inside `page`. */
export async function meStatus(page) {
  return (await pageGet(page, '/api/v1/auth/me')).status;
}

/** Open the members page through the header navigation. */
export async function openMembersPage(page) {
  await navTo(page, 'nav-members');
  await page.getByRole('heading', { level: 1, name: 'Mitglieder' }).waitFor();
  await waitFor(async () => (await page.getByTestId('members-status').getAttribute('data-state')) === 'ok', {
    message: 'members loaded',
  });
}

/** The access-review row of `email` once the table has loaded (a Locator). */
export function memberRow(page, email) {
  return page.locator(`[data-testid="member-row"][data-email="${email}"]`);
}

/** Invite `email` with `role` through the members page's form; waits for the pending invitation. */
export async function invite(page, { email, role, language = 'de' }) {
  await page.getByTestId('invite-email').fill(email);
  await page.getByTestId('invite-role').selectOption(role);
  await page.getByTestId('invite-language').selectOption(language);
  await page.getByTestId('invite-submit').click();
  const message = page.getByTestId('invite-message');
  await message.waitFor();
  assert.equal((await message.innerText()).trim(), `Einladung an ${email} wird verschickt.`);
  await page.locator(`[data-testid="invitation-row"][data-email="${email}"]`).waitFor();
}

/** The invitation link of the next mail to `email`. */
export async function invitationMail(mailbox, email) {
  const mail = await mailbox.waitForMail({ to: email });
  return { ...mail, link: invitationLink(mail.text) };
}

/**
 * Open an invitation link in a fresh browser context, check that the token
 * leaves the address bar at once and that the preview names the tenant,
 * address and role, then set `password` for the new account (after trying
 * `weakPassword`, if given, which the server must refuse).
 * Returns the opened page (signed out, on `#/login`) and the refusal's text.
 */
export async function acceptInvitation(browser, { link, email, password, tenantName, roleLabel, weakPassword = null }) {
  const opened = await openPage(browser);
  const { page } = opened;
  await page.goto(link);
  await page.getByTestId('invitation-preview').waitFor();
  // The one-time token is in memory only: not in the address bar, not in the history entry.
  const location = await page.evaluate(() => ({ href: window.location.href, hash: window.location.hash }));
  assert.equal(location.hash, '#/invitation');
  assert.ok(!location.href.includes('token'), `token left in the address bar: ${location.href}`);
  assert.equal((await page.getByTestId('invitation-tenant').innerText()).trim(), tenantName);
  assert.equal((await page.getByTestId('invitation-email').innerText()).trim(), email);
  assert.equal((await page.getByTestId('invitation-role').innerText()).trim(), roleLabel);
  assert.equal(await page.getByTestId('invitation-repeat').count(), 1, 'a new account repeats the password');

  let weakError = null;
  if (weakPassword) {
    await page.getByTestId('invitation-password').fill(weakPassword);
    await page.getByTestId('invitation-repeat').fill(weakPassword);
    await page.getByTestId('invitation-submit').click();
    const error = page.getByTestId('invitation-password-error');
    await error.waitFor();
    weakError = (await error.innerText()).trim();
    assert.equal(await page.getByTestId('invitation-password').inputValue(), '', 'password field emptied');
    assert.equal(await page.getByTestId('invitation-done').count(), 0);
  }

  await page.getByTestId('invitation-password').fill(password);
  await page.getByTestId('invitation-repeat').fill(password);
  await page.getByTestId('invitation-submit').click();
  await page.getByTestId('invitation-done').waitFor();
  await page.getByTestId('invitation-login').click();
  await page.getByRole('heading', { level: 1, name: 'Anmelden' }).waitFor();
  return { ...opened, weakError };
}

/** The dark modules the QR code SVG draws, as rows of '1'/'0' (quiet zone of 4 removed). */
export async function drawnQrRows(page, size) {
  const d = await page.getByTestId('mfa-qr').locator('path').getAttribute('d');
  const grid = Array.from({ length: size }, () => Array(size).fill('0'));
  for (const [, x, y, run] of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)) {
    for (let i = 0; i < Number(run); i += 1) grid[Number(y) - 4][Number(x) - 4 + i] = '1';
  }
  return grid.map((row) => row.join(''));
}

/**
 * Set up TOTP on the account page (which must be open): "Einrichten", the QR
 * code drawn from the server's matrix, the secret as text, a code computed
 * from that text, the account's password (TOM ACC-6: a session alone cannot
 * set it; with `wrongPasswordFirst` a wrong one is refused first), and the ten
 * recovery codes shown once.
 * Returns { secret, step, recoveryCodes }.
 */
export async function enrolTotp(page, { password = ADMIN_PASSWORD, wrongPasswordFirst = false } = {}) {
  const status = page.getByTestId('mfa-status');
  assert.equal(await status.getAttribute('data-state'), 'off');
  const setupAnswer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/auth/totp/setup');
  await page.getByTestId('mfa-setup').click();
  const setup = await (await setupAnswer).json();
  const qr = page.getByTestId('mfa-qr');
  await qr.waitFor();
  assert.ok(await qr.isVisible(), 'the QR code is visible');
  assert.equal(await qr.evaluate((el) => el.tagName.toLowerCase()), 'svg', 'the QR code is an inline SVG');
  assert.equal(await qr.getAttribute('viewBox'), `0 0 ${setup.qr.size + 8} ${setup.qr.size + 8}`);
  assert.deepEqual(await drawnQrRows(page, setup.qr.size), setup.qr.rows, 'the SVG draws exactly the dark modules');
  const box = await qr.boundingBox();
  assert.ok(box && box.width >= 150 && box.height >= 150, `the QR code is large enough to scan (${JSON.stringify(box)})`);

  // The user types the key shown on the page into the app; the test computes the code from it.
  const secret = (await page.getByTestId('mfa-secret').innerText()).replace(/\s+/g, '');
  assert.equal(secret, setup.secret.replace(/\s+/g, ''));
  if (wrongPasswordFirst) {
    await page.getByTestId('mfa-confirm-code').fill(totpCode(secret));
    await page.getByTestId('mfa-confirm-password').fill('falsch-falsch-falsch');
    await page.getByTestId('mfa-confirm-submit').click();
    const refused = page.getByTestId('mfa-message');
    await waitFor(async () => (await refused.count()) > 0 && /Passwort ist falsch/.test(await refused.innerText()), {
      message: 'the wrong password is refused',
    });
    assert.equal(await status.getAttribute('data-state'), 'off', 'nothing enrolled');
  }
  const { code, step } = await freshTotp(secret);
  await page.getByTestId('mfa-confirm-code').fill(code);
  await page.getByTestId('mfa-confirm-password').fill(password);
  await page.getByTestId('mfa-confirm-submit').click();

  const list = page.getByTestId('mfa-recovery-codes');
  await list.waitFor();
  const recoveryCodes = (await page.getByTestId('mfa-recovery-code').allInnerTexts()).map((c) => c.trim());
  assert.equal(recoveryCodes.length, 10, 'ten recovery codes');
  assert.equal(new Set(recoveryCodes).size, 10, 'all different');
  for (const c of recoveryCodes) assert.match(c, /^[A-Za-z0-9-]{8,}$/);
  await waitFor(async () => (await status.getAttribute('data-state')) === 'on', { message: 'second factor on' });
  assert.equal((await page.getByTestId('mfa-message').innerText()).trim(), 'Die Zwei-Faktor-Anmeldung ist eingeschaltet.');
  assert.equal(await page.getByTestId('mfa-qr').count(), 0, 'the QR code is gone after confirming');
  return { secret, step, recoveryCodes };
}

/** Password step on `#/login`; waits for the code step and checks what it says. */
export async function signInToCodeStep(page, baseUrl, { email, password }) {
  await page.goto(`${baseUrl}/#/login`);
  await page.getByRole('heading', { level: 1, name: 'Anmelden' }).waitFor();
  await submitLogin(page, { email, password });
  await page.getByTestId('mfa-step').waitFor();
  await page.getByRole('heading', { level: 1, name: 'Zweiter Faktor' }).waitFor();
  assert.equal(await page.getByTestId('nav-account').count(), 0, 'no pages before the second factor');
}

/** Enter a code on the code step; waits until it is answered. Returns the error text or null when signed in. */
export async function submitCode(page, code) {
  await page.getByTestId('mfa-code').fill(code);
  await page.getByTestId('mfa-submit').click();
  return waitFor(
    async () => {
      if ((await page.getByTestId('mfa-step').count()) === 0 && (await page.getByTestId('nav-account').count()) === 1) {
        return { signedIn: true };
      }
      const error = page.getByTestId('mfa-error');
      if ((await error.count()) === 1 && (await page.getByTestId('mfa-submit').isEnabled())) {
        return { error: (await error.innerText()).trim() };
      }
      return null;
    },
    { message: 'the code step answered' },
  );
}
