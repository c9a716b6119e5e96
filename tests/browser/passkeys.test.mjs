// Passkeys (TOM ACC-6) in Chromium with the DevTools virtual authenticator (a CTAP2
// authenticator with resident keys and user verification, driven over a CDP session):
// - a tenant admin adds a passkey under "Mein Konto" (name and password), sees it listed;
// - with passwordless sign-in allowed for the tenant, "Mit Passkey anmelden" signs in;
// - after the password, the passkey completes the second step;
// - a credential of another account, presented as this account's, is refused;
// - with user verification off, no sign-in happens;
// - a copy of the passkey with an old signature counter is refused as a clone;
// - removing the passkey needs the password;
// - on the sign-in link of a tenant that allows passkeys alone, the email field offers
//   the passkey in its autofill (conditional mediation; the virtual authenticator answers
//   such a request at once, as a person choosing the suggestion would); elsewhere not.
// WebAuthn needs a domain as relying party id: the pages are opened at http://localhost:PORT.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ADMIN_EMAIL, ADMIN_PASSWORD, apiSignIn, browserSuite, openPage, signIn, submitLogin, TENANT, waitFor } from './harness.mjs';
import { openMembersPage, pageGet } from './staff.mjs';

const OTHER_EMAIL = 'kasse@example.org';
const OTHER_PASSWORD = 'Blaue-Segel-Hafen-31';

/** A virtual CTAP2 authenticator for `page`'s context; answers the CDP session and its id. */
async function virtualAuthenticator(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

async function addPasskey(page, { name, password }) {
  await page.getByTestId('nav-account').click();
  await page.getByTestId('passkeys-card').waitFor();
  await page.getByTestId('passkey-name-input').fill(name);
  await page.getByTestId('passkey-password').fill(password);
  await page.getByTestId('passkey-add').click();
  await page.locator('[data-testid="passkey-row"]', { hasText: name }).waitFor();
}

async function signOut(page) {
  await page.getByTestId('sign-out').click();
  await page.waitForURL(/#\/login$/);
}

/** Clicks "Mit Passkey anmelden"; answers `{ signedIn }` or `{ error }` as the page shows it. */
async function passkeySignIn(page) {
  await page.getByTestId('login-passkey').click();
  return waitFor(
    async () => {
      if ((await page.getByTestId('sign-out').count()) === 1) return { signedIn: true };
      const error = page.getByTestId('login-error');
      if ((await error.count()) === 1 && (await page.getByTestId('login-passkey').isEnabled())) {
        return { error: (await error.innerText()).trim() };
      }
      return null;
    },
    { message: 'the passkey sign-in answered' },
  );
}

describe('passkeys', { timeout: 900_000 }, () => {
  const suite = browserSuite({ tenantAdmin: true, publicHost: 'localhost' });

  test('ACC-6 passkeys: added under Mein Konto, passwordless and as second factor; foreign or unverified ones refused', async () => {
    const { baseUrl } = suite.server;
    assert.match(baseUrl, /^http:\/\/localhost:\d+$/);
    suite.server.createTenantAdmin({ email: OTHER_EMAIL, password: OTHER_PASSWORD });
    const admin = await openPage(suite.browser);
    const other = await openPage(suite.browser);
    try {
      const { page } = admin;
      const { cdp, authenticatorId } = await virtualAuthenticator(admin.context, page);

      // Added with a name after the password; listed, not used yet.
      await signIn(page, baseUrl);
      await addPasskey(page, { name: 'Laptop Büro', password: ADMIN_PASSWORD });
      const row = page.locator('[data-testid="passkey-row"]', { hasText: 'Laptop Büro' });
      assert.equal(await row.getByTestId('passkey-unused').innerText(), 'noch nie');
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      assert.equal(credentials.length, 1);
      assert.equal(credentials[0].isResidentCredential, true, 'discoverable, so it signs in without a password');
      assert.equal(credentials[0].rpId, 'localhost');
      const own = credentials[0];

      // Passwordless is off until the tenant allows it.
      await signOut(page);
      assert.deepEqual(await passkeySignIn(page), {
        error: 'Ihre Organisation erlaubt die Anmeldung nur mit Passkey nicht. Bitte melden Sie sich mit Ihrem Passwort an.',
      });
      await page.goto(`${baseUrl}/#/login`);
      await submitLogin(page);
      // The account has a passkey now: the password leads to the second step.
      await page.getByTestId('mfa-step').waitFor();
      await page.getByTestId('mfa-passkey').click();
      await page.getByTestId('nav-account').waitFor();
      assert.equal((await pageGet(page, '/api/v1/auth/me')).body.stage, 'full');
      await openMembersPage(page);
      // The box follows the server's answer, not the click.
      await page.getByText('Anmeldung nur mit Passkey erlauben').click();
      await waitFor(async () => (await page.getByTestId('security-message').innerText()).includes('gespeichert'), {
        message: 'setting saved',
      });
      assert.equal(await page.getByTestId('security-passkey-sign-in').isChecked(), true);
      await page.getByTestId('nav-account').click();
      await waitFor(async () => (await row.locator('time').count()) === 2, { message: 'the last use is shown' });
      await signOut(page);

      // Passwordless: one click, user verified by the authenticator.
      assert.deepEqual(await passkeySignIn(page), { signedIn: true });
      const me = await pageGet(page, '/api/v1/auth/me');
      assert.deepEqual([me.status, me.body.stage, me.body.email], [200, 'full', ADMIN_EMAIL]);
      await signOut(page);

      // Another account's passkey, made to present itself as this account's: refused.
      const second = await virtualAuthenticator(other.context, other.page);
      await signIn(other.page, baseUrl, { email: OTHER_EMAIL, password: OTHER_PASSWORD });
      await addPasskey(other.page, { name: 'Kasse', password: OTHER_PASSWORD });
      const foreign = (await second.cdp.send('WebAuthn.getCredentials', { authenticatorId: second.authenticatorId })).credentials[0];
      await cdp.send('WebAuthn.clearCredentials', { authenticatorId });
      await cdp.send('WebAuthn.addCredential', {
        authenticatorId,
        credential: { ...foreign, userHandle: own.userHandle, signCount: foreign.signCount + 10 },
      });
      assert.deepEqual(await passkeySignIn(page), {
        error: 'Der Passkey wurde nicht angenommen. Bitte versuchen Sie es erneut oder nutzen Sie einen anderen Weg.',
      });
      assert.equal((await pageGet(page, '/api/v1/auth/me')).status, 401);

      // Without user verification nothing signs in.
      await cdp.send('WebAuthn.clearCredentials', { authenticatorId });
      await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: own });
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
      assert.deepEqual(await passkeySignIn(page), { error: 'Es wurde kein Passkey bestätigt.' });
      assert.equal((await pageGet(page, '/api/v1/auth/me')).status, 401);
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });

      // The copy taken before two uses still carries the old signature counter, as a cloned
      // key would: refused (and audited as a clone warning). The key that counted on works.
      assert.deepEqual(await passkeySignIn(page), {
        error: 'Der Passkey wurde nicht angenommen. Bitte versuchen Sie es erneut oder nutzen Sie einen anderen Weg.',
      });
      await cdp.send('WebAuthn.clearCredentials', { authenticatorId });
      await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...own, signCount: own.signCount + 100 } });

      // Removal needs the password.
      assert.deepEqual(await passkeySignIn(page), { signedIn: true });
      await page.getByTestId('nav-account').click();
      await row.getByTestId('passkey-remove').click();
      await page.getByTestId('passkey-remove-password').fill('falsch falsch falsch');
      await page.getByTestId('passkey-remove-submit').click();
      await waitFor(async () => (await page.getByTestId('passkeys-message').innerText()).trim().length > 0, { message: 'refusal shown' });
      assert.equal(await row.count(), 1, 'kept without the password');
      await page.getByTestId('passkey-remove-password').fill(ADMIN_PASSWORD);
      await page.getByTestId('passkey-remove-submit').click();
      await waitFor(async () => (await row.count()) === 0, { message: 'removed' });

      const audit = await pageGet(page, '/api/v1/audit?limit=200');
      const actions = audit.body.entries.map((e) => e.action);
      for (const action of ['auth.passkey_added', 'auth.passkey_removed', 'auth.sign_in_failed', 'auth.passkey_clone_suspected']) {
        assert.ok(actions.includes(action), `${action} is audited`);
      }
      for (const { pageErrors, cspViolations } of [admin, other]) {
        assert.deepEqual(pageErrors, []);
        assert.deepEqual(await cspViolations(), []);
      }
    } finally {
      await admin.context.close();
      await other.context.close();
    }
  });

  test('ACC-6 passkeys in the autofill: offered on the sign-in link of a tenant that allows them alone', async () => {
    const { baseUrl } = suite.server;
    const { page, context, pageErrors } = await openPage(suite.browser);
    try {
      // Which mediation each WebAuthn request of the page asked for.
      await page.addInitScript(() => {
        window.__mediations = [];
        const get = navigator.credentials.get.bind(navigator.credentials);
        navigator.credentials.get = (options) => {
          window.__mediations.push(options?.mediation ?? 'optional');
          return get(options);
        };
      });
      const mediationsSince = async (count) => (await page.evaluate(() => window.__mediations)).slice(count);
      const api = await apiSignIn(baseUrl);
      const allowed = await api.request('PUT', '/api/v1/tenant/security', { mfa_required_for_admins: false, passkey_sign_in_allowed: true });
      assert.equal(allowed.status, 200, JSON.stringify(allowed.body));
      await virtualAuthenticator(context, page);
      await signIn(page, baseUrl);
      await addPasskey(page, { name: 'Autofill', password: ADMIN_PASSWORD });
      await signOut(page);

      // The general page (tenant unknown) waits for a click: no autofill request.
      assert.equal(await page.getByTestId('login-email').getAttribute('autocomplete'), 'username webauthn');
      let seen = (await page.evaluate(() => window.__mediations)).length;
      await page.getByTestId('login-email').fill(ADMIN_EMAIL);
      assert.deepEqual(await mediationsSince(seen), []);

      // The tenant's link: the autofill offers the passkey, choosing it signs in.
      await page.goto(`${baseUrl}/#/login/${TENANT}`);
      await page.getByTestId('sign-out').waitFor();
      assert.deepEqual(await mediationsSince(seen), ['conditional']);
      const me = await pageGet(page, '/api/v1/auth/me');
      assert.deepEqual([me.status, me.body.stage, me.body.email], [200, 'full', ADMIN_EMAIL]);
      const sessions = await pageGet(page, '/api/v1/auth/sessions');
      assert.equal(sessions.body.sessions[0].sign_in_method, 'passkey');

      // Passkeys alone no longer allowed: the tenant's link offers none in the autofill.
      await openMembersPage(page);
      await page.getByText('Anmeldung nur mit Passkey erlauben').click();
      await waitFor(async () => (await page.getByTestId('security-message').innerText()).includes('gespeichert'), {
        message: 'setting saved',
      });
      assert.equal(await page.getByTestId('security-passkey-sign-in').isChecked(), false);
      await signOut(page);
      seen = (await page.evaluate(() => window.__mediations)).length;
      const answered = page.waitForResponse((r) => r.url().endsWith(`/api/v1/public/${TENANT}/sso`));
      await page.goto(`${baseUrl}/#/login/${TENANT}`);
      assert.equal((await (await answered).json()).passkey_sign_in, false);
      await page.getByTestId('login-email').fill(ADMIN_EMAIL);
      assert.deepEqual(await mediationsSince(seen), []);
      assert.equal((await pageGet(page, '/api/v1/auth/me')).status, 401);
      assert.deepEqual(pageErrors, []);
    } finally {
      await context.close();
    }
  });
});
