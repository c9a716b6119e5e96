// TOM ACC-7: a member of staff signs in with the school's directory (LDAP over LDAPS) in
// Chromium: the email-first sign-in page offers the directory of the address's domain,
// its form on the tenant's sign-in page takes the directory user name and password, and
// the person lands in anwesend with the role the directory group maps to. The directory
// is Debian's slapd, started by the same script as the Rust tests' (tests/ldap/slapd.sh).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { apiSignIn, browserSuite, openPage, startSlapd, TENANT } from './harness.mjs';
import { pageGet } from './staff.mjs';

describe('ACC-7 sign-in with the directory (LDAP)', () => {
  const suite = browserSuite({ tenantAdmin: true });
  let slapd;

  before(async () => {
    slapd = await startSlapd();
    const person = `uid=dora,ou=people,${slapd.base}`;
    slapd.add(
      `dn: ${person}\nobjectClass: inetOrgPerson\nuid: dora\ncn: Dora\nsn: Dora\nmail: dora@schule.example\nuserPassword: directory password\n\n` +
        `dn: cn=orga,ou=groups,${slapd.base}\nobjectClass: groupOfNames\ncn: orga\nmember: ${person}\n`,
    );
    const admin = await apiSignIn(suite.server.baseUrl);
    const created = await admin.request('POST', '/api/v1/sso/providers', {
      kind: 'ldap',
      preset: 'generic',
      name: 'Mit Schulkonto anmelden',
      enabled: true,
      ldap: {
        url: `ldaps://127.0.0.1:${slapd.ldapsPort}`,
        starttls: false,
        ca_certificate: slapd.caPem,
        bind_dn: slapd.serviceDn,
        user_base_dn: `ou=people,${slapd.base}`,
        group_base_dn: `ou=groups,${slapd.base}`,
      },
      secret: slapd.servicePassword,
      role_mappings: [{ value: `cn=orga,ou=groups,${slapd.base}`, role: 'organiser' }],
      provisioning: 'jit',
      jit_domains: ['schule.example'],
      default_role: 'instructor',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  });

  after(() => slapd?.stop());

  test('ACC-7 staff sign in with the directory user name and password and get the mapped role', async () => {
    const { page, context, pageErrors } = await openPage(suite.browser);
    await page.goto(`${suite.server.baseUrl}/#/login`);
    await page.getByTestId('login-email').fill('dora@schule.example');
    await page.getByTestId('login-password').focus();
    // The directory of the domain: a link to the tenant's sign-in page with its form.
    await page.getByTestId('sso-domain-directory').click();
    await page.waitForURL((url) => url.hash === `#/login/${TENANT}`);
    await page.getByTestId('sso-directory-username').fill('dora');
    await page.getByTestId('sso-directory-password').fill('wrong directory password');
    await page.getByTestId('sso-directory-submit').click();
    assert.match(await page.getByTestId('login-error').textContent(), /falsch/);
    await page.getByTestId('sso-directory-password').fill('directory password');
    await page.getByTestId('sso-directory-submit').click();
    await page.getByTestId('sign-out').waitFor();
    const me = await pageGet(page, '/api/v1/auth/me');
    assert.equal(me.body.email, 'dora@schule.example');
    assert.deepEqual([...me.body.roles].sort(), ['instructor', 'organiser']);
    const sessions = await pageGet(page, '/api/v1/auth/sessions');
    assert.equal(sessions.body.sessions[0].sign_in_method, 'ldap');
    assert.deepEqual(pageErrors, []);
    await context.close();
  });
});
