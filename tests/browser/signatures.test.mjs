// Signatures at the kiosk and closed attendance lists (issue 21) against the real server:
// - an event asks for "Unterschrift bei Anwesenheit"; a participant taps (the device
//   protocol spoken from Node, HMAC-SHA256 as the NFC agent does), the kiosk shows her
//   first name and a signature field, and she signs with mouse strokes;
// - a second participant is checked in by hand from the list; the field opens, is put off
//   ("Später"), the list shows "Unterschrift fehlt", and the signature is collected later;
// - the organiser closes the list with their own signature: check-in buttons are off, the
//   closing is shown; a correction re-opens it visibly.
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { apiSignIn, browserSuite, navTo, openPage, signIn, UI_WAIT_MS, waitFor } from './harness.mjs';
import { book, waitForState } from './fixtures.mjs';

const LOCATION = 'Halle 1';
const TITLE = 'Förderkurs mit Unterschrift';
const CARD = '04A1B2C3D4E5F7';

const utc = (date) => date.toISOString().slice(0, 19);

/** Signed device requests, as the agent sends them (TRANS-2). */
function deviceClient(baseUrl, { device_id: deviceId, secret }) {
  let taps = 0;
  const send = async (path, body) => {
    const raw = JSON.stringify(body);
    const timestamp = Math.floor(Date.now() / 1000);
    const nonce = randomBytes(16).toString('hex');
    const canonical = ['anwesend-device-v1', 'POST', path, String(timestamp), nonce, createHash('sha256').update(raw).digest('hex')].join('\n');
    const signature = createHmac('sha256', Buffer.from(secret, 'hex')).update(canonical).digest('hex');
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'X-Anwesend-Device': deviceId,
        'X-Anwesend-Timestamp': String(timestamp),
        'X-Anwesend-Nonce': nonce,
        'X-Anwesend-Signature': signature,
      },
      body: raw,
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, body: await res.json() };
  };
  return {
    tap: async (card) => {
      taps += 1;
      const answer = await send('/api/v1/device/taps', {
        idempotency_key: `sig-${Date.now()}-${taps}`,
        card_id: card,
        tapped_at: Math.floor(Date.now() / 1000),
        reader: 'ACS ACR122U PICC',
      });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body;
    },
  };
}

/** Draws a few strokes with the mouse on the canvas with `testId`. */
async function drawSignature(page, testId) {
  const canvas = page.getByTestId(testId);
  await canvas.scrollIntoViewIfNeeded();
  const box = await canvas.boundingBox();
  assert.ok(box && box.width > 100, 'the signature field is shown');
  const at = (fx, fy) => [box.x + box.width * fx, box.y + box.height * fy];
  for (const stroke of [
    [
      [0.1, 0.7],
      [0.2, 0.3],
      [0.3, 0.7],
      [0.4, 0.3],
    ],
    [
      [0.5, 0.5],
      [0.8, 0.5],
    ],
  ]) {
    const [[x0, y0], ...rest] = stroke.map(([fx, fy]) => at(fx, fy));
    await page.mouse.move(x0, y0);
    await page.mouse.down();
    for (const [x, y] of rest) await page.mouse.move(x, y, { steps: 5 });
    await page.mouse.up();
  }
  await waitFor(async () => (await canvas.getAttribute('data-strokes')) === '2', { message: 'two strokes drawn' });
}

describe('signatures at the kiosk and closed lists', { timeout: 600_000 }, () => {
  const suite = browserSuite({ tenantAdmin: true, workDirPrefix: 'anwesend-signatures-' });

  test('INPUT-4: a participant signs at the kiosk, a missing signature is collected later, the organiser closes the list and a correction re-opens it', async () => {
    const { baseUrl } = suite.server;
    const admin = await apiSignIn(baseUrl);
    const halle = (await admin.request('GET', '/api/v1/locations')).body.locations.find((l) => l.name === LOCATION);
    const now = Date.now();
    const created = await admin.request('POST', '/api/v1/events', {
      kind: 'course',
      title: TITLE,
      description: '',
      location_id: halle.id,
      capacity: 10,
      waiting_list: false,
      fields: [],
      signature_required: true,
      sessions: [{ starts_at: utc(new Date(now - 5 * 60_000)), ends_at: utc(new Date(now + 2 * 3600_000)) }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const event = created.body;
    assert.equal(event.signature_required, true);
    const session = event.sessions[0];
    assert.equal((await admin.request('POST', `/api/v1/events/${event.id}/publish`)).status, 200);
    await book(suite.server, event, { name: 'Anna Beispiel', email: 'anna@example.org' });
    await book(suite.server, event, { name: 'Bruno Muster', email: 'bruno@example.org' });
    const bookings = (await admin.request('GET', `/api/v1/events/${event.id}/bookings`)).body;
    const anna = bookings.find((b) => b.name === 'Anna Beispiel');
    const bruno = bookings.find((b) => b.name === 'Bruno Muster');

    // A device at "Halle 1" and Anna's card.
    const code = await admin.request('POST', '/api/v1/devices/enrolment-codes', { name: 'Eingang', location_id: halle.id });
    assert.equal(code.status, 201, JSON.stringify(code.body));
    const enrolled = await fetch(`${baseUrl}/api/v1/device/enrol`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ code: code.body.code, agent_version: '0.1.0' }),
    });
    assert.equal(enrolled.status, 201);
    const credentials = await enrolled.json();
    const device = deviceClient(baseUrl, credentials);
    const binding = await admin.request('POST', `/api/v1/devices/${credentials.device_id}/card-enrolment`, { participant_id: anna.participant_id });
    assert.equal(binding.status, 200, JSON.stringify(binding.body));
    assert.equal((await device.tap(CARD)).outcome, 'card_bound');

    const kiosk = await openPage(suite.browser);
    const office = await openPage(suite.browser);
    try {
      // --- The kiosk: Anna taps and signs with the mouse ---------------------------------------
      const k = kiosk.page;
      await signIn(k, baseUrl);
      await navTo(k, 'nav-kiosk');
      await k.getByTestId('kiosk-location').selectOption({ label: LOCATION });
      await k.getByTestId('kiosk-start').click();
      await waitForState(k.getByTestId('kiosk-connection'), 'open', 'kiosk stream open');
      assert.equal((await device.tap(CARD)).outcome, 'checked_in');
      const pad = k.getByTestId('kiosk-signature');
      await pad.waitFor({ timeout: UI_WAIT_MS });
      assert.match(await pad.innerText(), /Bitte unterschreiben, Anna/);
      assert.ok(!(await pad.innerText()).includes('Beispiel'), 'first name only');
      assert.equal(await k.getByTestId('kiosk-signature-submit').isDisabled(), true, 'nothing to send before drawing');
      await drawSignature(k, 'kiosk-signature-canvas');
      await k.getByTestId('kiosk-signature-submit').click();
      await k.getByTestId('kiosk-signed').waitFor();
      assert.equal((await k.getByTestId('kiosk-signed').innerText()).trim(), 'Danke, Anna. Ihre Unterschrift ist gespeichert.');
      const stored = await admin.request('GET', `/api/v1/event-sessions/${session.id}/attendance`);
      const annaCheckIn = stored.body.attendees.find((a) => a.participant_id === anna.participant_id);
      assert.equal(annaCheckIn.signature, 'signed');
      const strokes = (await admin.request('GET', `/api/v1/attendance/${annaCheckIn.check_in_id}/signature`)).body.strokes;
      assert.equal(strokes.length, 2, 'both mouse strokes stored');
      assert.ok(strokes.every((s) => s.length >= 4 && s.length % 2 === 0));

      // --- The list: Bruno checked in by hand, signature put off, then collected -------------
      const page = office.page;
      await signIn(page, baseUrl);
      await page.goto(`${baseUrl}/#/sessions/${session.id}/attendance`);
      await waitForState(page.getByTestId('attendance-status'), 'ok', 'attendance loaded');
      const annaRow = page.locator(`[data-testid="attendee-row"][data-participant="${anna.participant_id}"]`);
      const brunoRow = page.locator(`[data-testid="attendee-row"][data-participant="${bruno.participant_id}"]`);
      await annaRow.getByTestId('attendee-signed').waitFor();
      assert.equal((await annaRow.getByTestId('attendee-signed').innerText()).trim(), 'Unterschrieben');
      await brunoRow.getByTestId('attendee-check-in').click();
      await page.getByTestId('signature-pad').waitFor();
      assert.match(await page.getByTestId('signature-pad').innerText(), /Unterschrift von Bruno Muster/);
      await page.getByTestId('signature-pad-cancel').click();
      await brunoRow.getByTestId('attendee-signature-missing').waitFor();
      assert.equal((await brunoRow.getByTestId('attendee-signature-missing').innerText()).trim(), 'Unterschrift fehlt');
      await brunoRow.getByTestId('attendee-collect-signature').click();
      await drawSignature(page, 'signature-pad-canvas');
      await page.getByTestId('signature-pad-submit').click();
      await brunoRow.getByTestId('attendee-signed').waitFor();
      assert.equal(await brunoRow.getByTestId('attendee-signature-missing').count(), 0);

      // --- "Liste abschließen": the organiser signs the list as a whole -------------------------
      await page.getByTestId('list-close').click();
      await drawSignature(page, 'close-pad-canvas');
      await page.getByTestId('close-pad-submit').click();
      await page.getByTestId('list-closed').waitFor();
      assert.match(await page.getByTestId('list-closing').first().innerText(), /Abgeschlossen am .* von admin@example\.org/);
      await waitFor(async () => await brunoRow.getByTestId('attendee-check-out').isDisabled(), { message: 'a closed list takes no records' });
      const refused = await admin.request('POST', '/api/v1/attendance', { session_id: session.id, booking_id: anna.id, kind: 'check_out' });
      assert.deepEqual([refused.status, refused.body.code], [409, 'list_closed']);

      // A correction re-opens it, visibly.
      await brunoRow.getByTestId('record-correct').first().click();
      await page.getByTestId('correction-void').check();
      await page.getByTestId('correction-reason').fill('Versehentlich eingecheckt');
      await page.getByTestId('correction-submit').click();
      await page.getByTestId('list-reopened').waitFor();
      assert.match(await page.getByTestId('list-reopened').innerText(), /Wieder geöffnet am .* von admin@example\.org: Versehentlich eingecheckt/);
      assert.equal(await page.getByTestId('list-closed').count(), 0);
      assert.equal(await page.getByTestId('list-closings').getAttribute('data-closed'), 'false');
    } finally {
      await kiosk.context.close();
      await office.context.close();
    }
  });
});
