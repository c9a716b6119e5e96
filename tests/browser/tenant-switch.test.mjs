// TOM SEP-6 on a tenant switch: a partner admin who works in two tenants switches in the
// header; the server starts a session in the other tenant and the web UI wipes everything
// the tab kept for the first one (sessionStorage, memory: the page is reloaded) before it
// shows the second tenant's data only.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ADMIN_EMAIL, ADMIN_PASSWORD, apiSignIn, browserSuite, navTo, openPage, signIn, waitFor } from './harness.mjs';
import { pageGet } from './staff.mjs';

const PARTNER = 'partner@example.org';
const PARTNER_PASSWORD = 'Kletterwand-Gipfel-5512';
const SECOND = { slug: 'tsv-nord', name: 'TSV Nord' };
const SECOND_ADMIN = 'admin-nord@example.org';

/** The location names on the locations page once loaded. */
async function locationNames(page) {
  await navTo(page, 'nav-locations');
  await page.getByRole('heading', { level: 1, name: /^(Orte|Locations)$/ }).waitFor();
  return waitFor(
    async () => {
      if ((await page.getByText(/Orte werden geladen|Loading locations/).count()) > 0) return null;
      if ((await page.getByTestId('location-list').count()) === 0) return null;
      return (await page.getByTestId('location-item').allInnerTexts()).map((n) => n.trim()).sort();
    },
    { message: 'locations listed' },
  );
}

/** The tenant the header's switcher shows: { id, name }. */
async function shownTenant(page) {
  const select = page.getByTestId('tenant-switch');
  await select.waitFor();
  return select.evaluate((el) => ({ id: el.value, name: el.selectedOptions[0]?.textContent?.trim() ?? '' }));
}

describe('tenant switch', { timeout: 900_000 }, () => {
  const suite = browserSuite({ tenantAdmin: true });

  test('SEP-6 switching tenants wipes the tab and shows the other tenant only', async () => {
    const { server, browser } = suite;
    const { baseUrl } = server;

    // Two tenants with a location each (made by their own admins), and a partner admin in both.
    server.createTenant(SECOND);
    server.createTenantAdmin({ tenant: SECOND.slug, email: SECOND_ADMIN, password: ADMIN_PASSWORD });
    const locationsByTenant = new Map();
    const tenantNames = new Map();
    for (const [email, name] of [
      [ADMIN_EMAIL, 'Halle Demo'],
      [SECOND_ADMIN, 'Halle Nord'],
    ]) {
      const session = await apiSignIn(baseUrl, { email, password: ADMIN_PASSWORD });
      const created = await session.request('POST', '/api/v1/locations', { name });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      // The demo tenant comes with demo locations: expect the tenant's whole list.
      const listed = await session.request('GET', '/api/v1/locations');
      assert.equal(listed.status, 200);
      const names = listed.body.locations.map((l) => l.name).sort();
      assert.ok(names.includes(name));
      locationsByTenant.set(session.me.tenant.id, names);
      tenantNames.set(session.me.tenant.id, session.me.tenant.name);
      await session.request('POST', '/api/v1/auth/logout');
    }
    const tenantIdOf = (location) => [...locationsByTenant].find(([, names]) => names.includes(location))[0];
    server.grantPartnerAdmin({ tenant: 'demo', email: PARTNER, password: PARTNER_PASSWORD });
    server.grantPartnerAdmin({ tenant: SECOND.slug, email: PARTNER, password: PARTNER_PASSWORD });

    const { context, page, pageErrors, cspViolations } = await openPage(browser);
    try {
      await signIn(page, baseUrl, { email: PARTNER, password: PARTNER_PASSWORD });
      const first = await shownTenant(page);
      const options = (await page.getByTestId('tenant-switch').locator('option').allInnerTexts()).map((o) => o.trim());
      assert.deepEqual(options.sort(), [...tenantNames.values()].sort(), 'both tenants offered');
      assert.equal(first.name, tenantNames.get(first.id));
      assert.ok(locationsByTenant.has(first.id), `signed in to one of the two tenants: ${JSON.stringify(first)}`);
      assert.deepEqual(await locationNames(page), locationsByTenant.get(first.id));

      // What the tab keeps for this tenant: the language choice, a marker in sessionStorage,
      // and state in JavaScript memory.
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { level: 1, name: 'Locations' }).waitFor();
      await page.evaluate(() => {
        sessionStorage.setItem('marker', 'A');
        window.__tenantAMarker = 'A';
      });
      const before = await page.evaluate(() => Object.keys(sessionStorage).sort());
      assert.deepEqual(before, ['anwesend.lang', 'marker']);

      // Switch in the header.
      const target = [...locationsByTenant.keys()].find((id) => id !== first.id);
      const switched = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/auth/switch-tenant');
      await page.getByTestId('tenant-switch').selectOption(target);
      assert.equal((await switched).status(), 200);
      await page.waitForURL(/#\/$/);
      const after = await waitFor(
        async () => {
          const shown = await shownTenant(page);
          return shown.id === target ? shown : null;
        },
        { message: 'the header shows the other tenant' },
      );
      assert.equal(after.name, tenantNames.get(target));

      // Nothing of the first tenant is left in the tab.
      const left = await page.evaluate(() => ({
        session: Object.keys(sessionStorage),
        marker: sessionStorage.getItem('marker'),
        memory: window.__tenantAMarker ?? null,
        local: localStorage.length,
      }));
      assert.deepEqual(left, { session: [], marker: null, memory: null, local: 0 });
      await page.getByRole('heading', { level: 1, name: 'Willkommen bei anwesend' }).waitFor();
      assert.equal(await page.evaluate(() => document.documentElement.lang), 'de', 'the language choice went too');

      // The server agrees, and the pages show the second tenant's data only.
      const me = await pageGet(page, '/api/v1/auth/me');
      assert.equal(me.status, 200);
      assert.equal(me.body.tenant.id, target);
      const shown = await locationNames(page);
      assert.deepEqual(shown, locationsByTenant.get(target));
      const [own, other] = target === tenantIdOf('Halle Nord') ? ['Halle Nord', 'Halle Demo'] : ['Halle Demo', 'Halle Nord'];
      assert.ok(shown.includes(own), `the tenant's own location: ${own}`);
      assert.ok(!shown.includes(other), 'nothing of the first tenant');

      // And back.
      await page.getByTestId('tenant-switch').selectOption(first.id);
      await page.waitForURL(/#\/$/);
      await waitFor(async () => (await shownTenant(page)).id === first.id, { message: 'back in the first tenant' });
      assert.deepEqual(await locationNames(page), locationsByTenant.get(first.id));

      assert.deepEqual(await cspViolations(), [], 'no CSP violations');
      assert.deepEqual(pageErrors, [], 'no uncaught page errors');
    } finally {
      await context.close();
    }
  });
});
