// TOM ACC-7 (SAML 2.0): a primary admin adds a SAML identity provider on "Anmeldung" by
// pasting its metadata, and a member of staff signs in SP-initiated through the IdP's own
// page in Chromium, lands in anwesend with the role its groups attribute maps to, and
// signs out, which ends the IdP's session too (single logout: the next sign-in asks the IdP
// again). The IdP is the real npm `samlify` (tests/saml-idp/idp.mjs) on loopback.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { browserSuite, navTo, openPage, PROJECT_ROOT, signIn, TENANT, UI_WAIT_MS } from './harness.mjs';
import { pageGet } from './staff.mjs';

/** Starts the test IdP for the SP of `spMetadata`; resolves with `{ base, stop }`. */
async function startIdp(spMetadata) {
  const dir = mkdtempSync(join(tmpdir(), 'anwesend-idp-'));
  const [key, cert] = [join(dir, 'idp.key'), join(dir, 'idp.pem')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=test idp', '-keyout', key, '-out', cert], {
    stdio: 'ignore',
  });
  const config = join(dir, 'idp.json');
  writeFileSync(
    config,
    JSON.stringify({
      key,
      cert,
      sp_metadata: spMetadata,
      users: { alice: { password: 'idp password', name_id: 'persistent-alice', email: 'alice@schule.example', groups: ['orga'] } },
    }),
  );
  const child = spawn('node', [join(PROJECT_ROOT, 'tests', 'saml-idp', 'idp.mjs'), config], { stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error('the SAML IdP did not start')), UI_WAIT_MS);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('listening ')) {
        clearTimeout(timer);
        resolvePort(Number(line.slice('listening '.length)));
      }
    });
  });
  return {
    base: `http://127.0.0.1:${port}`,
    stop: () => {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('ACC-7 SAML sign-in', () => {
  const suite = browserSuite({ tenantAdmin: true });
  let idp;

  before(async () => {
    const sp = await fetch(`${suite.server.baseUrl}/api/v1/public/${TENANT}/saml/metadata`);
    assert.equal(sp.status, 200);
    idp = await startIdp(await sp.text());
  });

  after(() => idp?.stop());

  test('ACC-7 an admin adds a SAML provider and staff sign in through the IdP with the mapped role, then sign out here and at the IdP', async () => {
    const admin = await openPage(suite.browser);
    await signIn(admin.page, suite.server.baseUrl);
    await navTo(admin.page, 'nav-sso');
    await admin.page.getByRole('heading', { level: 1, name: 'Anmeldung' }).waitFor();
    await admin.page.getByTestId('sso-add').click();
    await admin.page.getByTestId('sso-kind').selectOption('saml');
    await admin.page.getByTestId('sso-name').fill('Mit Schul-SAML anmelden');
    await admin.page.getByTestId('sso-saml-metadata').fill(await (await fetch(`${idp.base}/metadata`)).text());
    await admin.page.getByTestId('sso-mappings').fill('orga = organiser');
    await admin.page.getByTestId('sso-provisioning').selectOption('jit');
    await admin.page.getByTestId('sso-domains').fill('schule.example');
    await admin.page.getByTestId('sso-save').click();
    await admin.page.getByTestId('sso-provider-item').waitFor();
    assert.equal(await admin.page.getByTestId('sso-saml-acs').textContent(), `${suite.server.baseUrl}/api/v1/public/${TENANT}/saml/acs`);

    const staff = await openPage(suite.browser);
    await staff.page.goto(`${suite.server.baseUrl}/#/login/${TENANT}`);
    await staff.page.getByTestId('sso-provider').click();
    // The IdP's own sign-in page, then its form posts the response back to the ACS.
    await staff.page.waitForURL((url) => url.origin === idp.base);
    await staff.page.locator('input[name="login"]').fill('alice');
    await staff.page.locator('input[name="password"]').fill('idp password');
    await staff.page.getByRole('button', { name: 'Sign in' }).click();
    await staff.page.getByTestId('sign-out').waitFor({ timeout: UI_WAIT_MS });
    const me = await pageGet(staff.page, '/api/v1/auth/me');
    assert.equal(me.status, 200);
    assert.equal(me.body.email, 'alice@schule.example');
    assert.deepEqual([...me.body.roles].sort(), ['instructor', 'organiser']);
    const sessions = await pageGet(staff.page, '/api/v1/auth/sessions');
    assert.equal(sessions.body.sessions[0].sign_in_method, 'saml');

    // The IdP keeps a session of its own (it would answer the next sign-in without asking).
    const idpSession = async () => (await (await staff.context.request.get(`${idp.base}/session`)).json()).login;
    assert.equal(await idpSession(), 'alice');

    // Signing out goes on to the IdP with a signed LogoutRequest (the IdP refuses unsigned
    // ones), which ends its session and sends the browser back to anwesend.
    const back = staff.page.waitForResponse((r) => new URL(r.url()).pathname === `/api/v1/public/${TENANT}/saml/slo`, { timeout: UI_WAIT_MS });
    await staff.page.getByTestId('sign-out').click();
    const answer = await back;
    assert.equal(answer.status(), 303);
    assert.equal(answer.headers().location, '/#/', 'the IdP\'s signed LogoutResponse was accepted');
    await staff.page.waitForURL((url) => url.origin === suite.server.baseUrl && url.hash.startsWith('#/login'), { timeout: UI_WAIT_MS });
    // (the browser's cookies, without the page: it may still be routing)
    assert.equal((await staff.context.request.get(`${suite.server.baseUrl}/api/v1/auth/me`)).status(), 401);
    const logout = await (await fetch(`${idp.base}/last-logout`)).json();
    assert.equal(logout.name_id, 'persistent-alice');
    assert.equal(await idpSession(), null, 'the IdP session ended');
    // So the next sign-in asks for the IdP's password again.
    await staff.page.goto(`${suite.server.baseUrl}/#/login/${TENANT}`);
    await staff.page.getByTestId('sso-provider').click();
    await staff.page.waitForURL((url) => url.origin === idp.base);
    await staff.page.locator('input[name="login"]').waitFor();
    assert.deepEqual(staff.pageErrors, []);
    await staff.context.close();
    await admin.context.close();
  });
});
