// Signed documents (issue 21) against the real server in Chromium:
// - the organiser closes a session's list with their signature and downloads the list as
//   signed PDF from the list page;
// - the public page #/verify (no sign-in) checks that file in the browser (WebCrypto,
//   the platform's published keys) and shows what it says; a copy with one changed byte
//   and a file that is no document are refused; the page passes axe;
// - the participant's portal offers the certificate of attendance of the attended event,
//   and the downloaded certificate verifies too.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { apiSignIn, browserSuite, openPage, signIn, TENANT, UI_WAIT_MS, waitFor } from './harness.mjs';
import { book, MailFiles, magicLink, waitForState } from './fixtures.mjs';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TITLE = 'Förderkurs mit Nachweis';
const utc = (date) => date.toISOString().slice(0, 19);

/** Serious and critical axe violations of the page as it is now. */
async function axeViolations(page) {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Draws two strokes with the mouse on the canvas with `testId`. */
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

/** The bytes behind a link of the page, fetched with the page's own session. */
async function fetchBytes(page, url) {
  const bytes = await page.evaluate(async (u) => {
    const res = await fetch(u, { credentials: 'same-origin' });
    if (!res.ok) throw new Error(`${u}: ${res.status}`);
    return Array.from(new Uint8Array(await res.arrayBuffer()));
  }, url);
  return Buffer.from(bytes);
}

/** Chooses `buffer` on the verify page and waits for its answer. */
async function check(page, name, buffer) {
  const result = page.getByTestId('verify-result');
  await page.getByTestId('verify-file').setInputFiles({ name, mimeType: 'application/pdf', buffer });
  await result.waitFor({ timeout: UI_WAIT_MS });
  await waitFor(async () => ['valid', 'refused', 'error'].includes(await result.getAttribute('data-state')), { message: `${name} checked` });
  return result;
}

describe('signed documents', { timeout: 600_000 }, () => {
  const suite = browserSuite({ tenantAdmin: true });

  test('INPUT-4: a closed list downloads as signed PDF, #/verify accepts it and refuses a changed copy; the portal offers the certificate', async () => {
    const { baseUrl } = suite.server;
    const admin = await apiSignIn(baseUrl);
    const now = Date.now();
    const created = await admin.request('POST', '/api/v1/events', {
      kind: 'course',
      title: TITLE,
      description: '',
      capacity: 10,
      waiting_list: false,
      fields: [],
      sessions: [{ starts_at: utc(new Date(now - 5 * 60_000)), ends_at: utc(new Date(now + 2 * 3600_000)) }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const event = created.body;
    const session = event.sessions[0];
    assert.equal((await admin.request('POST', `/api/v1/events/${event.id}/publish`)).status, 200);
    const mails = new MailFiles(suite.server.dataDir);
    await book(suite.server, event, { name: 'Jürgen Groß', email: 'juergen@example.org' }, mails);
    const bookings = (await admin.request('GET', `/api/v1/events/${event.id}/bookings`)).body;
    const juergen = bookings.find((b) => b.name === 'Jürgen Groß');
    const recorded = await admin.request('POST', '/api/v1/attendance', { session_id: session.id, booking_id: juergen.id, kind: 'check_in' });
    assert.equal(recorded.status, 201, JSON.stringify(recorded.body));

    const office = await openPage(suite.browser);
    const visitor = await openPage(suite.browser);
    let portal = null;
    try {
      // --- The organiser closes the list and downloads it as signed PDF ----------------------
      const page = office.page;
      await signIn(page, baseUrl);
      await page.goto(`${baseUrl}/#/sessions/${session.id}/attendance`);
      await waitForState(page.getByTestId('attendance-status'), 'ok', 'attendance loaded');
      await page.getByTestId('list-close').click();
      await drawSignature(page, 'close-pad-canvas');
      await page.getByTestId('close-pad-submit').click();
      await page.getByTestId('list-closed').waitFor();
      const link = page.getByTestId('attendance-pdf');
      assert.equal((await link.innerText()).trim(), 'PDF (signiert)');
      const pdf = await fetchBytes(page, await link.getAttribute('href'));
      assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');

      // --- Anyone checks it on #/verify, without signing in --------------------------------------
      const v = visitor.page;
      await v.goto(`${baseUrl}/#/verify`);
      await v.getByTestId('verify-file').waitFor();
      let result = await check(v, 'anwesenheitsliste.pdf', pdf);
      assert.equal(await result.getAttribute('data-state'), 'valid', await result.innerText());
      const shown = await result.innerText();
      assert.match(shown, /Gültig/);
      assert.ok(shown.includes(TITLE) && shown.includes('Jürgen Groß') && shown.includes('admin@example.org'), shown);
      assert.deepEqual(await axeViolations(v), [], 'verify page: no serious or critical axe violation');

      const changed = Buffer.from(pdf);
      changed[Math.floor(changed.length / 3)] ^= 0x01;
      result = await check(v, 'geaendert.pdf', changed);
      assert.deepEqual([await result.getAttribute('data-state'), await result.getAttribute('data-reason')], ['refused', 'changed']);
      assert.match(await result.innerText(), /nach dem Signieren verändert/);
      result = await check(v, 'kein-dokument.pdf', Buffer.from('%PDF-1.7\n%%EOF\n'));
      assert.deepEqual([await result.getAttribute('data-state'), await result.getAttribute('data-reason')], ['refused', 'not_a_document']);
      assert.deepEqual(await visitor.cspViolations(), [], 'the check runs under the strict CSP');

      // --- The participant's portal offers the certificate ------------------------------------
      const asked = await fetch(`${baseUrl}/api/v1/public/${TENANT}/magic-link`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', Origin: baseUrl },
        body: JSON.stringify({ email: 'juergen@example.org' }),
      });
      assert.equal(asked.status, 202, await asked.text());
      const mail = await waitFor(() => mails.unseen('juergen@example.org').find((m) => m.text.includes('/login?token=')) ?? null, {
        intervalMs: 200,
        message: 'the sign-in link',
      });
      portal = await openPage(suite.browser);
      const p = portal.page;
      const redeemed = p.waitForResponse((r) => new URL(r.url()).pathname.endsWith('/magic-link/redeem'));
      await p.goto(magicLink(mail.text));
      const token = (await (await redeemed).json()).token;
      const booking = p.getByTestId('portal-booking').filter({ hasText: TITLE });
      await booking.getByTestId('portal-certificate-de').waitFor();
      assert.equal((await booking.getByTestId('portal-certificate-de').innerText()).trim(), 'Bescheinigung (PDF, Deutsch)');
      const certificate = await p.evaluate(
        async ([id, bearer]) => {
          const res = await fetch(`/api/v1/portal/events/${id}/certificate.pdf?lang=en`, { headers: { Authorization: `Bearer ${bearer}` }, credentials: 'omit' });
          return [res.status, Array.from(new Uint8Array(await res.arrayBuffer()))];
        },
        [event.id, token],
      );
      assert.equal(certificate[0], 200);
      result = await check(v, 'certificate.pdf', Buffer.from(certificate[1]));
      assert.equal(await result.getAttribute('data-state'), 'valid', await result.innerText());
      assert.match(await result.innerText(), /Teilnahmebescheinigung[\s\S]*Jürgen Groß/);
    } finally {
      await office.context.close();
      await visitor.context.close();
      await portal?.context.close();
    }
  });
});
