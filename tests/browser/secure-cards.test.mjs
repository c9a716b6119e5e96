// The "Sichere Karten" setting on the devices page against the real server (issue 22,
// TOM TRANS-2):
// - the tenant admin opens "Geräte" from the navigation: secure cards are off; "Sichere
//   Karten einschalten" turns them on (the tenant's card keys are made, audited), the API
//   says so; "Nur sichere Karten annehmen" is saved and still checked after a reload, and
//   unchecked again;
// - the device list says per device whether its agent reads secure cards (from the
//   heartbeat's `secure_cards`, an agent spoken from Node with signed requests);
// - English texts.
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { apiSignIn, browserSuite, navTo, openPage, signIn, waitFor } from './harness.mjs';

/** A signed device request (TRANS-2), as the agent sends it. */
async function deviceSend(baseUrl, { device_id: deviceId, secret }, path, body) {
  const raw = JSON.stringify(body);
  const timestamp = Math.floor(Date.now() / 1000);
  const nonce = randomBytes(16).toString('hex');
  const canonical = ['anwesend-device-v1', 'POST', path, String(timestamp), nonce, createHash('sha256').update(raw).digest('hex')].join('\n');
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'X-Anwesend-Device': deviceId,
      'X-Anwesend-Timestamp': String(timestamp),
      'X-Anwesend-Nonce': nonce,
      'X-Anwesend-Signature': createHmac('sha256', Buffer.from(secret, 'hex')).update(canonical).digest('hex'),
    },
    body: raw,
    signal: AbortSignal.timeout(10_000),
  });
  return res.status;
}

/** A device enrolled through the API at a new location. */
async function enrolledDevice(admin, baseUrl, name) {
  const location = await admin.request('POST', '/api/v1/locations', { name: `Ort ${name}`, parent_id: null });
  assert.equal(location.status, 201, JSON.stringify(location.body));
  const code = await admin.request('POST', '/api/v1/devices/enrolment-codes', { name, location_id: location.body.id });
  assert.equal(code.status, 201, JSON.stringify(code.body));
  const res = await fetch(`${baseUrl}/api/v1/device/enrol`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ code: code.body.code, agent_version: '0.1.0' }),
  });
  assert.equal(res.status, 201);
  return res.json();
}

describe('secure cards setting', { timeout: 900_000 }, () => {
  const suite = browserSuite({ tenantAdmin: true });

  test('TRANS-2 the admin turns on secure cards, requires them (kept after reload) and sees which agents read them', async () => {
    const baseUrl = suite.server.baseUrl;
    const admin = await apiSignIn(baseUrl);
    const reads = await enrolledDevice(admin, baseUrl, 'Eingang Nord');
    const old = await enrolledDevice(admin, baseUrl, 'Eingang Süd');
    const beat = { agent_version: '0.1.0', readers: ['ACS ACR122U PICC'], queue_length: 0 };
    assert.equal(await deviceSend(baseUrl, reads, '/api/v1/device/heartbeat', { ...beat, secure_cards: true }), 200);
    // An agent from before secure cards leaves the field out.
    assert.equal(await deviceSend(baseUrl, old, '/api/v1/device/heartbeat', beat), 200);

    const opened = await openPage(suite.browser);
    const { page } = opened;
    try {
      await signIn(page, baseUrl);
      await navTo(page, 'nav-devices');
      await page.waitForURL(/#\/devices$/);
      const card = page.getByTestId('secure-cards');
      await card.getByRole('heading', { level: 2, name: 'Sichere Karten (NTAG 424 DNA)' }).waitFor();
      const state = page.getByTestId('secure-cards-state');
      await state.waitFor();
      assert.equal(await state.getAttribute('data-enabled'), 'false');
      assert.equal((await state.innerText()).trim(), 'Sichere Karten sind aus.');
      assert.equal((await admin.request('GET', '/api/v1/tenant/secure-cards')).body.enabled, false);

      // On: the tenant's card keys are made.
      await page.getByTestId('secure-cards-enable').click();
      await waitFor(async () => (await state.getAttribute('data-enabled')) === 'true', { message: 'secure cards on' });
      assert.equal((await state.innerText()).trim(), 'Sichere Karten sind eingeschaltet; die Kartenschlüssel dieses Mandanten sind angelegt.');
      assert.equal((await page.getByTestId('secure-cards-message').innerText()).trim(), 'Gespeichert.');
      assert.equal(await page.getByTestId('secure-cards-enable').count(), 0, 'no second "turn on"');
      assert.deepEqual((await admin.request('GET', '/api/v1/tenant/secure-cards')).body, { enabled: true, required: false });

      // Only secure cards: saved at once, still checked after a reload.
      const required = page.getByTestId('secure-cards-required');
      assert.equal(await required.isChecked(), false);
      // Saved on click; the box shows the server's answer.
      await required.click();
      await waitFor(async () => (await state.getAttribute('data-required')) === 'true', { message: 'required saved' });
      assert.deepEqual((await admin.request('GET', '/api/v1/tenant/secure-cards')).body, { enabled: true, required: true });
      await page.reload();
      await page.getByTestId('secure-cards-state').waitFor();
      await waitFor(async () => page.getByTestId('secure-cards-required').isChecked(), { message: 'required after reload' });

      // Each change is audited once.
      const audited = await admin.request('GET', '/api/v1/audit?action=tenant.secure_cards_changed');
      assert.equal(audited.status, 200);
      assert.equal(audited.body.entries.length, 2, JSON.stringify(audited.body.entries.map((e) => e.detail)));

      // Which agents read secure cards.
      const shown = async (id) => (await page.locator(`[data-testid="device-row"][data-id="${id}"]`).getByTestId('device-secure-cards').innerText()).trim();
      await page.locator(`[data-testid="device-row"][data-id="${reads.device_id}"]`).waitFor();
      assert.equal(await shown(reads.device_id), 'liest sichere Karten');
      assert.equal(await shown(old.device_id), 'liest keine sicheren Karten');

      // English; and UID-only cards accepted again.
      await page.getByTestId('lang-en').click();
      await card.getByRole('heading', { level: 2, name: 'Secure cards (NTAG 424 DNA)' }).waitFor();
      assert.equal((await page.getByTestId('secure-cards-state').innerText()).trim(), "Secure cards are on; this tenant's card keys exist.");
      assert.equal(await shown(reads.device_id), 'reads secure cards');
      assert.equal(await shown(old.device_id), 'does not read secure cards');
      await page.getByTestId('secure-cards-required').click();
      await waitFor(async () => (await page.getByTestId('secure-cards-state').getAttribute('data-required')) === 'false', { message: 'required off' });
      assert.equal((await page.getByTestId('secure-cards-message').innerText()).trim(), 'Saved.');
      assert.deepEqual((await admin.request('GET', '/api/v1/tenant/secure-cards')).body, { enabled: true, required: false });

      assert.deepEqual(await opened.cspViolations(), [], 'no CSP violations');
      assert.deepEqual(opened.pageErrors, [], 'no uncaught page errors');
    } finally {
      await opened.context.close();
    }
  });
});
