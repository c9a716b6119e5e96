// TOM ACC-7: a primary admin sets up an OpenID provider on "Anmeldung", tests the
// connection, and a member of staff signs in through the provider's own page in
// Chromium and lands in anwesend with the mapped role; signing out of anwesend signs
// out at the provider too, and the email-first sign-in page offers the provider for
// the address's domain. The provider is the real npm
// `oidc-provider` (tests/oidc-provider/op.mjs) on loopback.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { browserSuite, navTo, openPage, PROJECT_ROOT, signIn, TENANT, UI_WAIT_MS, waitFor } from './harness.mjs';
import { pageGet } from './staff.mjs';

/** Starts the test provider; resolves with `{ issuer, stop }`. */
async function startProvider(redirectUri, postLogoutRedirectUri) {
  const dir = mkdtempSync(join(tmpdir(), 'anwesend-op-'));
  const config = join(dir, 'op.json');
  writeFileSync(
    config,
    JSON.stringify({
      client_id: 'anwesend-browser',
      client_secret: 'browser test client secret',
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [postLogoutRedirectUri],
      users: { alice: { password: 'provider password', sub: 'sub-alice', email: 'alice@schule.example', email_verified: true, groups: ['orga'] } },
    }),
  );
  const child = spawn('node', [join(PROJECT_ROOT, 'tests', 'oidc-provider', 'op.mjs'), config], { stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error('the OpenID provider did not start')), UI_WAIT_MS);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('listening ')) {
        clearTimeout(timer);
        resolvePort(Number(line.slice('listening '.length)));
      }
    });
  });
  return {
    issuer: `http://127.0.0.1:${port}`,
    stop: () => {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('ACC-7 single sign-on', () => {
  const suite = browserSuite({ tenantAdmin: true });
  let provider;

  before(async () => {
    provider = await startProvider(`${suite.server.baseUrl}/api/v1/public/${TENANT}/sso/callback`, `${suite.server.baseUrl}/`);
  });

  after(() => provider?.stop());

  test('ACC-7 an admin adds a provider on "Anmeldung" and staff sign in through it with the mapped role', async () => {
    const admin = await openPage(suite.browser);
    await signIn(admin.page, suite.server.baseUrl);
    await navTo(admin.page, 'nav-sso');
    await admin.page.getByRole('heading', { level: 1, name: 'Anmeldung' }).waitFor();
    await admin.page.getByTestId('sso-add').click();
    await admin.page.getByTestId('sso-name').fill('Mit Schulkonto anmelden');
    await admin.page.getByTestId('sso-issuer').fill(provider.issuer);
    await admin.page.getByTestId('sso-client-id').fill('anwesend-browser');
    await admin.page.getByTestId('sso-secret').fill('browser test client secret');
    await admin.page.getByTestId('sso-mappings').fill('orga = organiser');
    await admin.page.getByTestId('sso-provisioning').selectOption('jit');
    await admin.page.getByTestId('sso-domains').fill('schule.example');
    await admin.page.getByTestId('sso-sign-in-domains').fill('lehrer.schule.example');
    await admin.page.getByTestId('sso-save').click();
    await admin.page.getByTestId('sso-provider-item').waitFor();
    assert.equal(await admin.page.getByTestId('sso-redirect-uri').textContent(), `${suite.server.baseUrl}/api/v1/public/${TENANT}/sso/callback`);
    await admin.page.getByTestId('sso-test').click();
    await waitFor(async () => (await admin.page.getByTestId('sso-test-report').getAttribute('data-ok').catch(() => null)) !== null, {
      message: 'the connection test answered',
    });
    assert.equal(await admin.page.getByTestId('sso-test-report').getAttribute('data-ok'), 'true', await admin.page.getByTestId('sso-test-report').textContent());

    const staff = await openPage(suite.browser);
    await staff.page.goto(`${suite.server.baseUrl}/#/login/${TENANT}`);
    await staff.page.getByTestId('sso-provider').click();
    // The provider's own sign-in page.
    await staff.page.waitForURL((url) => url.origin === provider.issuer);
    await staff.page.locator('input[name="login"]').fill('alice');
    await staff.page.locator('input[name="password"]').fill('provider password');
    await staff.page.getByRole('button', { name: 'Sign in' }).click();
    await staff.page.getByTestId('sign-out').waitFor();
    const me = await pageGet(staff.page, '/api/v1/auth/me');
    assert.equal(me.status, 200);
    assert.equal(me.body.email, 'alice@schule.example');
    assert.deepEqual([...me.body.roles].sort(), ['instructor', 'organiser']);
    const sessions = await pageGet(staff.page, '/api/v1/auth/sessions');
    assert.equal(sessions.body.sessions[0].sign_in_method, 'oidc');
    assert.deepEqual(staff.pageErrors, []);
    await staff.context.close();
    await admin.context.close();
  });

  test('ACC-7 email first: the sign-in page offers the provider of the domain; signing out of anwesend signs out at the provider', async () => {
    const { page, context, pageErrors } = await openPage(suite.browser);
    const viaEmail = async () => {
      await page.goto(`${suite.server.baseUrl}/#/login`);
      await page.getByTestId('login-email').fill('alice@Lehrer.Schule.example');
      // Leaving the field looks the domain up.
      await page.getByTestId('login-password').focus();
      const offer = page.getByTestId('sso-domain-provider');
      await offer.waitFor();
      assert.equal(await offer.textContent(), 'Mit Schulkonto anmelden');
      await offer.click();
      await page.waitForURL((url) => url.origin === provider.issuer);
    };
    await viaEmail();
    // The provider's own sign-in form: no session there yet.
    await page.locator('input[name="login"]').fill('alice');
    await page.locator('input[name="password"]').fill('provider password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('sign-out').waitFor();
    assert.equal((await pageGet(page, '/api/v1/auth/me')).body.email, 'alice@schule.example');
    // Signing out of anwesend goes on to the provider's end-session page.
    await page.getByTestId('sign-out').click();
    await page.waitForURL((url) => url.origin === provider.issuer);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL((url) => url.origin === suite.server.baseUrl);
    assert.equal((await pageGet(page, '/api/v1/auth/me')).status, 401);
    // Signed out at the provider as well: the next sign-in shows its form again
    // (with a session there, the provider would send the browser straight back).
    await viaEmail();
    await page.locator('input[name="login"]').waitFor();
    // A domain no provider serves: nothing offered, the password form stays.
    await page.goto(`${suite.server.baseUrl}/#/login`);
    await page.getByTestId('login-email').fill('jemand@anderswo.example');
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/public/sso/lookup'));
    await page.getByTestId('login-password').focus();
    assert.deepEqual(await (await answered).json(), { providers: [] });
    assert.equal(await page.getByTestId('sso-domain-provider').count(), 0);
    assert.equal(await page.getByTestId('login-submit').isVisible(), true);
    assert.deepEqual(pageErrors, []);
    await context.close();
  });

  test('ACC-7 a refused sign-in comes back to the tenant page with a clear message', async () => {
    const { page, context } = await openPage(suite.browser);
    await page.goto(`${suite.server.baseUrl}/#/login/${TENANT}?sso_error=sso_not_linked`);
    const text = await page.getByTestId('login-error').textContent();
    assert.match(text, /keinen Zugang/);
    await page.getByTestId('sso-provider').waitFor();
    await context.close();
  });
});
