// The kiosk and `event: resync` (issue #19, TOM AVAIL-5): when the server's database
// listener reconnects (or a stream fell behind), the server tells every open kiosk stream
// to resync, because taps in the gap are lost. The screen then drops the greeting it shows
// (it may be from before the gap) and reads its session again through the normal request
// (`GET /api/v1/auth/me`); the stream goes on. The server side (listener reconnect →
// resync) is tested in backend/tests/it/nodes.rs on a PostgreSQL the test owns; here the
// stream the browser receives is the server's wire format, served to the page by the test
// (a tap, then the resync), so the screen's reaction is what is checked.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { browserSuite, navTo, openPage, signIn, UI_WAIT_MS, waitFor } from './harness.mjs';

describe('kiosk resync', { timeout: 300_000 }, () => {
  const suite = browserSuite({ tenantAdmin: true });

  test('AVAIL-5: event resync drops the greeting on screen and reads the session again', async () => {
    const { baseUrl } = suite.server;
    const { page: k, pageErrors } = await openPage(suite.browser);
    await signIn(k, baseUrl);

    // The first stream: a greeting, and right after it the resync, sent once the test has
    // noted the time (so a session read after it is the resync's). Later streams: the server's.
    let streams = 0;
    let release;
    const released = new Promise((resolve) => {
      release = resolve;
    });
    await k.route('**/api/v1/kiosk/stream**', async (route) => {
      streams += 1;
      if (streams > 1) return route.continue();
      await released;
      const tap = { location_id: null, device_name: 'Eingang', outcome: 'checked_in', first_name: 'Anna', at: new Date().toISOString() };
      await route.fulfill({
        status: 200,
        headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store' },
        body: `retry: 2000\n: connected\n\nevent: tap\ndata: ${JSON.stringify(tap)}\n\nevent: resync\ndata: {}\n\n`,
      });
    });
    const sessionReads = [];
    k.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/v1/auth/me') sessionReads.push(Date.now());
    });

    await navTo(k, 'nav-kiosk');
    await k.getByRole('heading', { level: 1, name: 'Kiosk' }).waitFor();
    await k.getByTestId('kiosk-start').click();
    await k.getByTestId('kiosk').waitFor();
    const started = Date.now();
    release();
    await waitFor(async () => (await k.getByTestId('kiosk').getAttribute('data-resyncs')) === '1', {
      message: 'the kiosk heard the resync',
      timeoutMs: UI_WAIT_MS,
      intervalMs: 20,
    });
    // A greeting stays 4 s; right after the resync the screen is back to "please tap your card".
    assert.equal(await k.getByTestId('kiosk-message').getAttribute('data-outcome'), 'idle');
    assert.equal((await k.getByTestId('kiosk-headline').innerText()).trim(), 'Bitte Karte auflegen');
    await waitFor(async () => sessionReads.some((at) => at >= started), { message: 'the session is read again', timeoutMs: UI_WAIT_MS });
    // The stream goes on: the browser reconnects to the server's own stream.
    await waitFor(async () => streams >= 2, { message: 'the stream is opened again', timeoutMs: UI_WAIT_MS });
    assert.deepEqual(pageErrors, []);
  });
});
