// Devices, card enrolment, attendance and the kiosk end to end (issue #6,
// docs/attendance-api.md) against the real server, with the device protocol spoken
// from Node (HMAC-SHA256 over the canonical string, as the NFC agent does):
// - the tenant admin creates an enrolment code on #/devices; Node enrols a device with
//   it (the code works once) and sends a heartbeat: the list shows version (outdated),
//   readers and queue; forged, stale and replayed requests are refused (TRANS-2);
// - the admin assigns a card on the participants page: the next tap on the chosen
//   device binds it (card_bound) and the page says so;
// - a second browser runs the kiosk in kiosk mode (no header, no navigation, locked):
//   a tap greets "Willkommen, Anna" (first name only, PRIV-1), an unknown card is
//   refused, and the screen goes back to idle;
// - the live attendance list shows the participant present without a reload;
// - the server is stopped and started again on the same port and data dir: the kiosk
//   shows the lost connection, recovers by itself without reloading the page
//   (AVAIL-4) and greets the next tap — from the same device switched to check-out
//   in the device settings, which the device receives with its heartbeat (DEV-1);
// - a correction supersedes the check-in, which stays visible struck through; the
//   CSV, the print view and the participant's record show source, device, staff
//   account and the reason (INPUT-4); "Kiosk beenden" needs a confirmation.
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { apiSignIn, browserSuite, navTo, openPage, signIn, UI_WAIT_MS, waitFor } from './harness.mjs';
import { book, waitForState } from './fixtures.mjs';

const LOCATION = 'Halle 1';
const DEVICE = 'Eingang Halle 1';
const TITLE = 'Offenes Training';
const NAME = 'Anna Beispiel';
const FIRST_NAME = 'Anna';
const EMAIL = 'anna@example.org';
const CARD = '04A1B2C3D4E5F6';
const UNKNOWN_CARD = '04FFEEDDCCBB01';
const OLD_AGENT = '0.0.1';

/** `YYYY-MM-DDTHH:MM:SS` in UTC, as the API speaks. */
const utc = (date) => date.toISOString().slice(0, 19);

/**
 * A device as the agent is one: signed requests (TRANS-2) with its id and secret.
 * `send(path, body, overrides)` answers `{ status, body }`.
 */
function deviceClient(baseUrl, { device_id: deviceId, secret }) {
  let taps = 0;
  const send = async (path, body, { nonce = randomBytes(16).toString('hex'), timestamp = Math.floor(Date.now() / 1000), key = secret, signedPath = path } = {}) => {
    const raw = JSON.stringify(body);
    const canonical = [
      'anwesend-device-v1',
      'POST',
      signedPath,
      String(timestamp),
      nonce,
      createHash('sha256').update(raw).digest('hex'),
    ].join('\n');
    const signature = createHmac('sha256', Buffer.from(key, 'hex')).update(canonical).digest('hex');
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
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  return {
    send,
    heartbeat: (extra = {}) => send('/api/v1/device/heartbeat', { agent_version: OLD_AGENT, readers: ['ACS ACR122U PICC'], queue_length: 3, ...extra }),
    tap: async (card) => {
      taps += 1;
      const answer = await send('/api/v1/device/taps', {
        idempotency_key: `tap-${Date.now()}-${taps}`,
        card_id: card,
        tapped_at: Math.floor(Date.now() / 1000),
        reader: 'ACS ACR122U PICC',
      });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body;
    },
  };
}

/** The kiosk's big line and the outcome it shows, once it shows `outcome`. */
async function kioskShows(page, outcome, timeoutMs = UI_WAIT_MS) {
  const message = page.getByTestId('kiosk-message');
  await waitFor(async () => (await message.getAttribute('data-outcome')) === outcome, { message: `kiosk shows ${outcome}`, timeoutMs, intervalMs: 50 });
  return (await page.getByTestId('kiosk-headline').innerText()).trim();
}

describe('devices, card enrolment, attendance and the kiosk', { timeout: 900_000 }, () => {
  const suite = browserSuite({ tenantAdmin: true, workDirPrefix: 'anwesend-kiosk-' });

  test('DEV-1 TRANS-2 PRIV-1 AVAIL-4 INPUT-4: enrol a device, bind a card, kiosk greets by first name and recovers from a server restart without reload; attendance list, correction, CSV and printable records', async () => {
    const { server } = suite;
    const { baseUrl } = server;

    // --- Data: an event at "Halle 1" running now, booked by Anna ---------------------------
    const admin = await apiSignIn(baseUrl);
    const locations = await admin.request('GET', '/api/v1/locations');
    const halle = locations.body.locations.find((l) => l.name === LOCATION);
    assert.ok(halle, `the demo tenant has "${LOCATION}": ${JSON.stringify(locations.body)}`);
    const now = Date.now();
    const created = await admin.request('POST', '/api/v1/events', {
      kind: 'event',
      title: TITLE,
      description: '',
      location_id: halle.id,
      capacity: 10,
      waiting_list: false,
      fields: [],
      sessions: [{ starts_at: utc(new Date(now - 5 * 60_000)), ends_at: utc(new Date(now + 2 * 3600_000)) }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const event = created.body;
    const session = event.sessions[0];
    assert.equal((await admin.request('POST', `/api/v1/events/${event.id}/publish`)).status, 200);
    await book(suite.server, event, { name: NAME, email: EMAIL });

    const office = await openPage(suite.browser);
    const kiosk = await openPage(suite.browser);
    try {
      const { page } = office;
      await signIn(page, baseUrl);

      // --- Devices: a one-time enrolment code, shown big with the agent command -------------
      await navTo(page, 'nav-devices');
      await page.getByRole('heading', { level: 1, name: 'Geräte' }).waitFor();
      await waitForState(page.getByTestId('devices-status'), 'ok', 'devices loaded');
      assert.equal((await page.getByTestId('devices-status').innerText()).trim(), 'Noch keine Geräte.');
      await page.getByTestId('device-new-submit').click();
      assert.equal((await page.getByTestId('device-new-name-error').innerText()).trim(), 'Bitte ausfüllen.');
      await page.getByTestId('device-new-location').selectOption({ label: LOCATION });
      await page.getByTestId('device-new-name').fill(DEVICE);
      await page.getByTestId('device-new-submit').click();
      const codeText = (await page.getByTestId('enrolment-code').innerText()).trim();
      assert.match(codeText, /^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
      assert.equal(
        (await page.getByTestId('enrolment-command').innerText()).trim(),
        `anwesend-agent enroll --server ${baseUrl} --code ${codeText} --insecure-dev`,
      );
      assert.match(await page.getByTestId('enrolment-expires').innerText(), /^Gültig bis \S/);
      const fontSize = await page.getByTestId('enrolment-code').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
      assert.ok(fontSize >= 32, `the code is shown big (${fontSize}px)`);

      // The agent's side: the code works once.
      const enrol = (code) =>
        fetch(`${baseUrl}/api/v1/device/enrol`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify({ code, agent_version: OLD_AGENT }),
        });
      const enrolled = await enrol(codeText);
      assert.equal(enrolled.status, 201);
      const credentials = await enrolled.json();
      assert.equal(credentials.device_name, DEVICE);
      assert.equal(credentials.config.mode, 'check_in');
      const again = await enrol(codeText);
      assert.equal(again.status, 404);
      assert.equal((await again.json()).code, 'enrolment_invalid');
      const device = deviceClient(baseUrl, credentials);

      // DEV-2 / heartbeat: version, readers and queue reach the list.
      const beat = await device.heartbeat();
      assert.equal(beat.status, 200, JSON.stringify(beat.body));
      assert.equal(beat.body.outdated, true);
      await page.getByTestId('devices-refresh').click();
      const row = page.locator(`[data-testid="device-row"][data-id="${credentials.device_id}"]`);
      await waitFor(async () => (await row.getByTestId('device-queue').count()) === 1 && (await row.getByTestId('device-queue').innerText()).trim() === '3', {
        message: 'the heartbeat in the list',
      });
      assert.equal((await row.getByTestId('device-name').innerText()).trim(), DEVICE);
      assert.equal((await row.getByTestId('device-location').innerText()).trim(), LOCATION);
      assert.equal((await row.getByTestId('device-status').innerText()).trim(), 'aktiv');
      assert.equal((await row.getByTestId('device-mode').innerText()).trim(), 'Einchecken');
      assert.equal((await row.getByTestId('device-agent').innerText()).trim(), OLD_AGENT);
      assert.equal((await row.getByTestId('device-outdated').innerText()).trim(), 'veraltet');
      assert.equal((await row.getByTestId('device-readers').innerText()).trim(), 'ACS ACR122U PICC');
      assert.notEqual((await row.getByTestId('device-heartbeat').innerText()).trim(), 'noch nie');

      // TRANS-2: a wrong key, a stale timestamp, a replayed nonce, a signature for another path.
      const hb = { agent_version: OLD_AGENT, readers: [], queue_length: 0 };
      const forged = await device.send('/api/v1/device/heartbeat', hb, { key: randomBytes(32).toString('hex') });
      assert.deepEqual([forged.status, forged.body.code], [401, 'bad_signature']);
      const stale = await device.send('/api/v1/device/heartbeat', hb, { timestamp: Math.floor(Date.now() / 1000) - 600 });
      assert.deepEqual([stale.status, stale.body.code], [401, 'stale_timestamp']);
      const nonce = randomBytes(16).toString('hex');
      assert.equal((await device.send('/api/v1/device/heartbeat', hb, { nonce })).status, 200);
      const replayed = await device.send('/api/v1/device/heartbeat', hb, { nonce });
      assert.deepEqual([replayed.status, replayed.body.code], [401, 'replayed_nonce']);
      const otherPath = await device.send('/api/v1/device/heartbeat', hb, { signedPath: '/api/v1/device/taps' });
      assert.deepEqual([otherPath.status, otherPath.body.code], [401, 'bad_signature']);

      // --- Card enrolment from the participants page -----------------------------------------
      await navTo(page, 'nav-participants');
      await page.getByRole('heading', { level: 1, name: 'Teilnehmende' }).waitFor();
      await page.getByTestId('participants-q').fill(EMAIL);
      await page.getByTestId('participants-submit').click();
      await waitForState(page.getByTestId('participants-status'), 'ok', 'search answered');
      const person = page.locator(`[data-testid="participant-row"][data-email="${EMAIL}"]`);
      const participantId = await person.getAttribute('data-id');
      await person.getByTestId('participant-assign-card').click();
      const panel = page.getByTestId('card-enrolment');
      await panel.getByTestId('card-device').selectOption({ label: DEVICE });
      await panel.getByTestId('card-start').click();
      const pending = panel.getByTestId('card-pending');
      await pending.waitFor();
      assert.match(await pending.innerText(), new RegExp(`innerhalb von 2 Minuten auf „${DEVICE}“`));
      assert.match((await panel.getByTestId('card-countdown').innerText()).trim(), /^(2:00|1:[0-5]\d)$/);
      const bound = await device.tap(CARD);
      assert.deepEqual(bound, { outcome: 'card_bound', first_name: FIRST_NAME, late_upload: false });
      const result = panel.getByTestId('card-result');
      await result.waitFor();
      assert.equal(await result.getAttribute('data-outcome'), 'bound');
      assert.equal((await result.innerText()).trim(), `Die Karte gehört jetzt ${NAME} (aufgelegt an „${DEVICE}“).`);

      // --- The kiosk: kiosk mode in a second browser -----------------------------------------
      const k = kiosk.page;
      await signIn(k, baseUrl);
      await navTo(k, 'nav-kiosk');
      await k.getByRole('heading', { level: 1, name: 'Kiosk' }).waitFor();
      await k.getByTestId('kiosk-location').selectOption({ label: LOCATION });
      await k.getByTestId('kiosk-start').click();
      await k.getByTestId('kiosk').waitFor();
      await waitForState(k.getByTestId('kiosk-connection'), 'open', 'kiosk stream open');
      assert.equal((await k.getByTestId('kiosk-connection').innerText()).trim(), 'Verbunden');
      assert.equal(await k.getByTestId('nav-home').count(), 0, 'no app navigation in kiosk mode');
      assert.equal(await k.getByTestId('sign-out').count(), 0, 'no app header in kiosk mode');
      assert.equal((await k.getByTestId('kiosk-place').innerText()).trim(), LOCATION);
      assert.match((await k.getByTestId('kiosk-clock').innerText()).trim(), /^\d{2}:\d{2}/);
      assert.equal(await k.getByTestId('kiosk-message').getAttribute('data-outcome'), 'idle');
      assert.equal((await k.getByTestId('kiosk-headline').innerText()).trim(), 'Bitte Karte auflegen');
      // Locked: another route does not leave kiosk mode.
      await k.evaluate(() => {
        window.location.hash = '#/events';
      });
      await k.waitForURL(/#\/events$/);
      assert.equal(await k.getByTestId('kiosk').count(), 1, 'still the kiosk');
      assert.equal(await k.getByTestId('nav-home').count(), 0);
      // Proof that the page is never reloaded from here on.
      await k.evaluate(() => {
        window.__kioskMarker = 'still-the-same-page';
      });

      // --- The live attendance list (office) before the check-in -------------------------------
      await page.goto(`${baseUrl}/#/events/${event.id}`);
      await page.getByTestId('event-heading').waitFor();
      // Cards can be assigned from the bookings as well.
      await waitForState(page.getByTestId('bookings-status'), 'ok', 'bookings loaded');
      assert.equal(await page.locator(`[data-testid="booking-row"][data-email="${EMAIL}"]`).getByTestId('booking-assign-card').count(), 1);
      await page.locator(`[data-testid="event-session-attendance"][data-session="${session.id}"]`).click();
      await page.getByRole('heading', { level: 1, name: 'Anwesenheit' }).waitFor();
      await waitForState(page.getByTestId('attendance-status'), 'ok', 'attendance loaded');
      const attendee = page.locator(`[data-testid="attendee-row"][data-participant="${participantId}"]`);
      assert.equal(await attendee.getAttribute('data-status'), 'absent');
      assert.equal((await attendee.getByTestId('attendee-status').innerText()).trim(), 'abwesend');

      // --- A tap: the kiosk greets by first name (PRIV-1), the list follows by itself -----------
      const checkedIn = await device.tap(CARD);
      assert.deepEqual(checkedIn, { outcome: 'checked_in', first_name: FIRST_NAME, late_upload: false });
      assert.equal(await kioskShows(k, 'checked_in'), `Willkommen, ${FIRST_NAME}`);
      assert.ok(!(await k.getByTestId('kiosk').innerText()).includes('Beispiel'), 'first name only on the kiosk');
      await waitFor(async () => (await attendee.getAttribute('data-status')) === 'present', {
        message: 'the list shows the check-in without a reload',
        timeoutMs: 15_000,
      });
      assert.equal((await attendee.getByTestId('attendee-status').innerText()).trim(), 'anwesend');
      const deviceRecord = attendee.locator('[data-testid="attendance-record"][data-source="device"][data-kind="check_in"]');
      assert.match(await deviceRecord.innerText(), new RegExp(`Check-in .*Gerät · „${DEVICE}“`, 's'));
      // Back to idle after a few seconds.
      await waitFor(async () => (await k.getByTestId('kiosk-message').getAttribute('data-outcome')) === 'idle', {
        message: 'kiosk back to idle',
        timeoutMs: 8000,
      });
      // A refusal says why.
      assert.equal((await device.tap(UNKNOWN_CARD)).outcome, 'unknown_card');
      assert.equal(await kioskShows(k, 'unknown_card'), 'Karte unbekannt');
      // The same card again: recorded once.
      const twice = await device.tap(CARD);
      assert.equal(twice.outcome, 'already_recorded');
      assert.equal(await kioskShows(k, 'already_recorded'), 'Bereits eingecheckt');

      // --- AVAIL-4: the server goes away and comes back; the kiosk recovers by itself ----------
      await server.stop();
      await waitForState(k.getByTestId('kiosk-connection'), 'reconnecting', 'the kiosk notices the lost connection');
      assert.equal((await k.getByTestId('kiosk-connection').innerText()).trim(), 'Verbindung wird wiederhergestellt …');
      // A reverse proxy would answer 502 meanwhile: the browser gives up on such a stream
      // (EventSource CLOSED), so the kiosk has to open a new one by itself.
      let refused = 0;
      const streamRoute = '**/api/v1/kiosk/stream**';
      await k.route(streamRoute, (route) => {
        refused += 1;
        return route.fulfill({
          status: 502,
          contentType: 'application/problem+json',
          body: JSON.stringify({ type: 'about:blank', title: 'Bad Gateway', status: 502 }),
        });
      });
      // A CLOSED EventSource never tries again: the second request comes from a new one.
      await waitFor(() => refused >= 2, { message: 'the kiosk tries again after a 502', timeoutMs: 20_000 });
      await server.start();
      await k.unroute(streamRoute);
      await waitForState(k.getByTestId('kiosk-connection'), 'open', 'the kiosk reconnects by itself', 45_000);
      assert.equal(await k.evaluate(() => window.__kioskMarker), 'still-the-same-page', 'no reload');
      assert.equal(await k.getByTestId('kiosk').count(), 1);

      // DEV-1: the device becomes the exit (check-out) in its settings and learns it by heartbeat.
      await page.goto(`${baseUrl}/#/devices`);
      await waitForState(page.getByTestId('devices-status'), 'ok', 'devices loaded after the restart');
      await row.getByTestId('device-edit').click();
      const editor = page.getByTestId('device-editor');
      await editor.getByTestId('device-field-duplicate').fill('99999');
      await editor.getByTestId('device-field-mode').selectOption('check_out');
      await editor.getByTestId('device-save').click();
      assert.equal((await editor.getByTestId('device-duplicate-error').innerText()).trim(), 'Eine ganze Zahl von 0 bis 3600.');
      assert.equal(await editor.getByTestId('device-field-mode').inputValue(), 'check_out', 'the form keeps what was chosen');
      await editor.getByTestId('device-field-duplicate').fill('0');
      await editor.locator(`[data-testid="device-session"][data-session="${session.id}"]`).check();
      await editor.getByTestId('device-save').click();
      await page.getByTestId('devices-message').waitFor();
      assert.match(await page.getByTestId('devices-message').innerText(), /sind gespeichert/);
      await waitFor(async () => (await row.getAttribute('data-mode')) === 'check_out', { message: 'the list shows the new mode' });
      const config = await device.heartbeat({ agent_version: '99.0.0' });
      assert.equal(config.status, 200, JSON.stringify(config.body));
      assert.deepEqual(config.body.config, { mode: 'check_out', duplicate_window_seconds: 0, late_upload_after_seconds: 300, session_ids: [session.id] });
      assert.equal(config.body.outdated, false);

      // The second tap after the restart: the kiosk says goodbye.
      const checkedOut = await device.tap(CARD);
      assert.deepEqual(checkedOut, { outcome: 'checked_out', first_name: FIRST_NAME, late_upload: false });
      assert.equal(await kioskShows(k, 'checked_out'), `Auf Wiedersehen, ${FIRST_NAME}`);
      assert.equal(await k.evaluate(() => window.__kioskMarker), 'still-the-same-page', 'still no reload');

      // --- INPUT-4: a correction supersedes, the original stays visible --------------------------
      await page.goto(`${baseUrl}/#/sessions/${session.id}/attendance`);
      await waitForState(page.getByTestId('attendance-status'), 'ok', 'attendance loaded');
      await waitFor(async () => (await attendee.getAttribute('data-status')) === 'left_early', { message: 'checked out early' });
      assert.notEqual((await attendee.getByTestId('attendee-checked-out').innerText()).trim(), '–');
      // Both buttons are off now (checked in and out); the server would refuse another check-in.
      assert.ok(await attendee.getByTestId('attendee-check-in').isDisabled());
      assert.ok(await attendee.getByTestId('attendee-check-out').isDisabled());
      await deviceRecord.getByTestId('record-correct').click();
      const form = page.getByTestId('correction-form');
      const corrected = await page.evaluate((startsAt) => {
        const d = new Date(startsAt);
        d.setMinutes(d.getMinutes() + 2);
        const pad = (n) => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
      }, session.starts_at);
      await form.getByTestId('correction-time').fill(corrected);
      await form.getByTestId('correction-submit').click();
      assert.equal((await form.getByTestId('correction-reason-error').innerText()).trim(), 'Bitte ausfüllen.');
      assert.equal(await form.getByTestId('correction-time').inputValue(), corrected, 'the time is kept');
      const reason = 'Uhr des Geräts ging nach';
      await form.getByTestId('correction-reason').fill(reason);
      await form.getByTestId('correction-submit').click();
      await page.getByTestId('attendance-message').waitFor();
      assert.equal((await page.getByTestId('attendance-message').innerText()).trim(), `Der Eintrag von ${NAME} ist korrigiert.`);
      await waitFor(async () => (await deviceRecord.getAttribute('data-superseded')) === 'true', { message: 'the original is superseded' });
      const correction = attendee.locator('[data-testid="attendance-record"][data-source="correction"]');
      assert.equal(await correction.getAttribute('data-superseded'), 'false');
      assert.match(await correction.innerText(), new RegExp(`Grund: ${reason}`));
      assert.equal(await deviceRecord.getByTestId('record-correct').count(), 0, 'a superseded record cannot be corrected again');
      const struck = await deviceRecord.locator('.record--struck').evaluate((el) => getComputedStyle(el).textDecorationLine);
      assert.equal(struck, 'line-through', 'the superseded record is struck through');
      assert.equal((await deviceRecord.getByTestId('record-state').innerText()).trim(), 'ersetzt');

      // The CSV has every record, the original included.
      const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('attendance-csv').click()]);
      const csvPath = join(suite.workDir, csv.suggestedFilename() || 'attendance.csv');
      await csv.saveAs(csvPath);
      const csvText = readFileSync(csvPath, 'utf8');
      assert.ok(csvText.includes(NAME), `the CSV names the participant:\n${csvText}`);
      const lines = csvText.trim().split('\n').slice(1);
      assert.equal(lines.length, 3, `device check-in, its correction and the check-out:\n${csvText}`);
      assert.ok(lines.some((l) => l.includes('"device"') && l.includes(`"${DEVICE}"`) && l.includes('"check_in"')));
      assert.ok(lines.some((l) => l.includes('"correction"') && l.includes(reason)));
      assert.ok(lines.some((l) => l.includes('"check_out"')));

      // The print view: who recorded what and when; only the record on paper.
      await page.getByTestId('attendance-print-link').click();
      await page.getByRole('heading', { level: 1, name: 'Anwesenheitsnachweis' }).waitFor();
      await page.getByTestId('print-records').waitFor();
      assert.equal((await page.getByTestId('print-event').innerText()).trim(), TITLE);
      assert.equal(await page.getByTestId('print-record').count(), 3);
      const printedCorrection = page.locator('[data-testid="print-record"][data-source="correction"]');
      assert.match(await printedCorrection.innerText(), new RegExp(reason));
      assert.match(await printedCorrection.innerText(), new RegExp(`Korrektur.*„${DEVICE}“`, 's'));
      assert.match(await page.locator('[data-testid="print-record"][data-superseded="true"]').innerText(), /ersetzt/);
      assert.equal((await page.getByTestId('print-attendee-status').innerText()).trim(), 'früher gegangen');
      await page.evaluate(() => {
        window.__printed = 0;
        window.print = () => {
          window.__printed += 1;
        };
      });
      await page.getByTestId('print-button').click();
      assert.equal(await page.evaluate(() => window.__printed), 1, 'the button opens the print dialog');
      await page.emulateMedia({ media: 'print' });
      assert.ok(!(await page.getByTestId('nav-home').isVisible()), 'no navigation on paper');
      assert.ok(!(await page.getByTestId('print-button').isVisible()), 'no buttons on paper');
      assert.ok(await page.getByTestId('print-records').isVisible(), 'the record is printed');
      await page.emulateMedia({ media: 'screen' });

      // The participant's own record, linked from the search.
      await navTo(page, 'nav-participants');
      await page.getByTestId('participants-q').fill(EMAIL);
      await page.getByTestId('participants-submit').click();
      await waitForState(page.getByTestId('participants-status'), 'ok', 'search answered');
      await person.getByTestId('participant-attendance-link').click();
      await page.getByTestId('precord-table').waitFor();
      assert.equal((await page.getByTestId('precord-name').innerText()).trim(), NAME);
      assert.equal(await page.getByTestId('precord-row').count(), 3);
      assert.equal(await page.locator('[data-testid="precord-row"][data-superseded="true"]').count(), 1);
      assert.match(await page.locator('[data-testid="precord-row"][data-source="correction"]').innerText(), new RegExp(reason));

      // --- English on the kiosk, then leaving kiosk mode takes a confirmation -------------------
      await k.getByRole('button', { name: 'English' }).click();
      await waitFor(async () => (await k.getByTestId('kiosk-headline').innerText()).trim() === 'Please tap your card', {
        message: 'English idle line',
        timeoutMs: 8000,
      });
      assert.equal((await k.getByTestId('kiosk-connection').innerText()).trim(), 'Connected');
      await k.getByRole('button', { name: 'Deutsch' }).click();
      await k.getByTestId('kiosk-exit').click();
      await k.getByTestId('kiosk-exit-dialog').waitFor({ state: 'visible' });
      await k.getByTestId('kiosk-exit-dialog-cancel').click();
      assert.equal(await k.getByTestId('kiosk').count(), 1, 'still in kiosk mode after "no"');
      await k.getByTestId('kiosk-exit').click();
      await k.getByTestId('kiosk-exit-dialog-confirm').click();
      await k.getByRole('heading', { level: 1, name: 'Kiosk' }).waitFor();
      await k.waitForURL(/#\/kiosk$/);
      assert.equal(await k.getByTestId('kiosk').count(), 0);
      await k.getByTestId('nav-home').waitFor();
      assert.equal(await k.evaluate(() => window.__kioskMarker), 'still-the-same-page');

      for (const opened of [office, kiosk]) {
        assert.deepEqual(await opened.cspViolations(), [], 'no CSP violations');
        assert.deepEqual(opened.pageErrors, [], 'no uncaught page errors');
      }
    } finally {
      await office.context.close();
      await kiosk.context.close();
    }
  });
});
