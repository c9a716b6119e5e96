// The end of a tenant's contract ("Vertragsende", issue #8, TOM DEL-1 and DEL-2) in the staff
// UI against the real server. Its own server (browserSuite): the demo tenant ends up read-only.
// - two published courses and four bookings of three people are set up through the API;
// - the tenant admin opens "Vertragsende" from "Aufbewahrung": what happens (read-only at once,
//   30-day archive, deletion and key destruction, signed certificate), status "aktiv";
// - a wrong slug is refused next to the field and stays in the input (the server refuses one
//   too), nothing starts; the right one opens a dialog that says it cannot be undone (cancel
//   changes nothing), confirming starts it: the page says read-only since … and the archive's
//   end (30 days later), the read-only banner shows across the app, a second start is refused;
// - adding a location and creating an event in the UI show the read-only sentence, nothing is
//   stored;
// - "Archiv herunterladen" saves the tar and names file and size; unpacked with `tar`, every
//   participant (decrypted) and booking is in it, each file's SHA-256 and size equal the
//   manifest, the manifest's signature verifies with the platform's public key, the download is
//   audited with the archive's SHA-256; English texts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { apiSignIn, browserSuite, navTo, openPage, signIn, TENANT, waitFor } from './harness.mjs';
import { book, publishedCourse } from './fixtures.mjs';

const ANNA = { name: 'Anna Abschied', email: 'anna.abschied@example.org' };
const BERND = { name: 'Bernd Bleibtreu', email: 'bernd.bleibtreu@example.org' };
const CARLA = { name: 'Carla Checksumme', email: 'carla.checksumme@example.org' };

const READ_ONLY_DE = 'Der Mandant ist schreibgeschützt, weil sein Vertrag endet – es kann nichts mehr geändert werden.';

/** The same instant as the page shows it (browser time zone, the UI's short date-time format). */
/** How the UI shows a server time: in the tenant's zone (the default, Europe/Berlin). */
function shown(page, iso, locale) {
  return page.evaluate(
    ([value, loc]) => new Intl.DateTimeFormat(loc, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Berlin' }).format(new Date(value)),
    [iso, locale],
  );
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** Checks an ECDSA P-256 / SHA-256 signature (raw r||s, hex) with an uncompressed SEC1 public key (hex). */
function verifyP256(publicKeyHex, message, signatureHex) {
  const point = Buffer.from(publicKeyHex, 'hex');
  assert.equal(point.length, 65, 'uncompressed P-256 point');
  assert.equal(point[0], 4);
  const key = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') },
    format: 'jwk',
  });
  return verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signatureHex, 'hex'));
}

describe('tenant offboarding in the staff UI', { timeout: 900_000 }, () => {
  const suite = browserSuite({ tenantAdmin: true, workDirPrefix: 'anwesend-offboarding-' });

  test('DEL-1 DEL-2 a tenant admin ends the contract: read-only at once, the archive is complete and its checksums match', async () => {
    const { baseUrl } = suite.server;
    const admin = await apiSignIn(baseUrl);

    // Two courses, four bookings of three people (Bernd books both).
    const first = await publishedCourse(admin, 'Abschlusskurs');
    const second = await publishedCourse(admin, 'Letzter Kurs');
    await book(suite.server, first, ANNA);
    await book(suite.server, first, BERND);
    await book(suite.server, second, BERND);
    await book(suite.server, second, CARLA);
    const bookings = [];
    for (const event of [first, second]) {
      const list = await admin.request('GET', `/api/v1/events/${event.id}/bookings`);
      assert.equal(list.status, 200, JSON.stringify(list.body));
      bookings.push(...list.body);
    }
    assert.equal(bookings.length, 4, JSON.stringify(bookings));
    const participantIds = [...new Set(bookings.map((b) => b.participant_id))];
    assert.equal(participantIds.length, 3, 'three people');
    const locationsBefore = await admin.request('GET', '/api/v1/locations');
    const eventsBefore = await admin.request('GET', '/api/v1/events');
    assert.equal(locationsBefore.status, 200);
    assert.equal(eventsBefore.status, 200);

    const opened = await openPage(suite.browser);
    const { page } = opened;
    try {
      await signIn(page, baseUrl);
      assert.equal(await page.getByTestId('read-only-banner').count(), 0, 'no banner while the tenant is active');

      // "Vertragsende" from "Aufbewahrung" (not one more link in the header).
      assert.equal(await page.locator('.app-nav [href="#/offboarding"]').count(), 0, 'the header does not grow');
      await navTo(page, 'nav-retention');
      await page.getByRole('heading', { level: 1, name: 'Aufbewahrung' }).waitFor();
      await page.getByTestId('retention-offboarding-link').click();
      await page.waitForURL(/#\/offboarding$/);
      await page.getByRole('heading', { level: 1, name: 'Vertragsende' }).waitFor();
      const steps = await page.getByTestId('offboarding-steps').innerText();
      assert.match(steps, /Sofort nur lesen/);
      assert.match(steps, /30 Tage Archiv/);
      assert.match(steps, /Schlüssel vernichtet/);
      assert.match(steps, /signierte Bescheinigung/);
      const status = page.getByTestId('offboarding-status');
      await waitFor(async () => (await status.getAttribute('data-status')) === 'active', { message: 'status active' });
      assert.equal((await page.getByTestId('offboarding-badge').innerText()).trim(), 'aktiv');

      // A wrong slug: refused next to the field, what was typed stays, nothing starts.
      const slug = page.getByTestId('offboarding-slug');
      await slug.fill('demo-verein');
      await page.getByTestId('offboarding-start-submit').click();
      const slugError = page.getByTestId('offboarding-slug-error');
      await slugError.waitFor();
      assert.equal((await slugError.innerText()).trim(), `Das ist nicht der Kurzname dieses Mandanten. Bitte genau „${TENANT}“ eingeben.`);
      assert.equal(await slug.inputValue(), 'demo-verein', 'the typed slug stays');
      assert.equal(await slug.getAttribute('aria-invalid'), 'true');
      assert.equal(await page.getByTestId('offboarding-dialog').isVisible(), false, 'no dialog for a wrong slug');
      // The server refuses a wrong slug as well (422 on confirm_slug) and stays active.
      const wrong = await admin.request('POST', '/api/v1/tenant/offboarding', { confirm_slug: 'DEMO' });
      assert.equal(wrong.status, 422, JSON.stringify(wrong.body));
      assert.equal(wrong.body.field, 'confirm_slug');
      assert.equal((await admin.request('GET', '/api/v1/tenant/offboarding')).body.status, 'active');

      // The right slug opens the dialog: it cannot be undone; cancelling changes nothing.
      await slug.fill(TENANT);
      assert.equal(await slugError.count(), 0, 'the error goes once the input changes');
      await page.getByTestId('offboarding-start-submit').click();
      const dialog = page.getByTestId('offboarding-dialog');
      await dialog.waitFor({ state: 'visible' });
      assert.match(await dialog.innerText(), /kann nicht rückgängig gemacht werden/);
      assert.match(await dialog.innerText(), /30 Tage/);
      await page.getByTestId('offboarding-dialog-cancel').click();
      await dialog.waitFor({ state: 'hidden' });
      assert.equal((await admin.request('GET', '/api/v1/tenant/offboarding')).body.status, 'active', 'cancel starts nothing');
      assert.equal(await slug.inputValue(), TENANT);

      // Confirmed: read-only at once.
      await page.getByTestId('offboarding-start-submit').click();
      await dialog.waitFor({ state: 'visible' });
      await page.getByTestId('offboarding-dialog-confirm').click();
      await waitFor(async () => (await status.getAttribute('data-status')) === 'read_only', { message: 'status read_only' });
      assert.equal(
        (await page.getByTestId('offboarding-started').innerText()).trim(),
        'Das Vertragsende ist gestartet. Der Mandant ist ab jetzt schreibgeschützt.',
      );
      const state = await admin.request('GET', '/api/v1/tenant/offboarding');
      assert.equal(state.status, 200);
      assert.equal(state.body.status, 'read_only');
      const startedAt = new Date(state.body.started_at);
      const archiveUntil = new Date(state.body.archive_until);
      assert.equal(archiveUntil - startedAt, 30 * 24 * 3600 * 1000, 'the archive window is 30 days');
      assert.equal((await page.getByTestId('offboarding-badge').innerText()).trim(), 'nur lesen');
      const sinceText = await shown(page, state.body.started_at, 'de-DE');
      const untilText = await shown(page, state.body.archive_until, 'de-DE');
      assert.equal((await page.getByTestId('offboarding-started-at').innerText()).trim(), sinceText);
      assert.equal((await page.getByTestId('offboarding-archive-until').innerText()).trim(), untilText);
      assert.equal(
        (await page.getByTestId('offboarding-status-text').innerText()).trim(),
        `Nur lesen seit ${sinceText}. Das Archiv kann bis ${untilText} heruntergeladen werden; danach werden die Daten gelöscht.`,
      );
      assert.equal(await page.getByTestId('offboarding-start').count(), 0, 'no start form any more');

      // The banner across the staff app.
      const banner = page.getByTestId('read-only-banner');
      await banner.waitFor();
      assert.equal(await banner.getAttribute('data-status'), 'read_only');
      assert.equal(
        (await banner.innerText()).replace(/\s+/g, ' ').trim(),
        `Nur lesen: Der Vertrag dieses Mandanten endet. Seit ${sinceText} kann nichts mehr geändert werden; das Archiv steht bis ${untilText} bereit, danach werden die Daten gelöscht.`,
      );

      // Starting twice: 409 offboarding_started, nothing changes.
      const again = await admin.request('POST', '/api/v1/tenant/offboarding', { confirm_slug: TENANT });
      assert.equal(again.status, 409, JSON.stringify(again.body));
      assert.equal(again.body.code, 'offboarding_started');
      const started = await admin.request('GET', '/api/v1/audit?action=tenant.offboarding_started');
      assert.equal(started.body.entries.length, 1, 'the start is audited once');

      // Read-only in the UI: adding a location says why it fails, and stores nothing.
      await navTo(page, 'nav-locations');
      await page.waitForURL(/#\/locations$/);
      await banner.waitFor();
      await page.getByTestId('location-name').fill('Neue Halle');
      const locationAnswer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/locations' && r.request().method() === 'POST');
      await page.getByTestId('location-add').click();
      const locationResponse = await locationAnswer;
      assert.equal(locationResponse.status(), 409);
      assert.equal((await locationResponse.json()).code, 'tenant_read_only');
      const locationMessage = page.getByTestId('location-message');
      await locationMessage.waitFor();
      assert.equal((await locationMessage.innerText()).trim(), `Der Ort konnte nicht angelegt werden. ${READ_ONLY_DE}`);
      assert.equal(await page.getByTestId('location-name').inputValue(), 'Neue Halle', 'what was typed stays');

      // … and so does creating an event.
      await navTo(page, 'nav-events');
      await page.waitForURL(/#\/events$/);
      const form = page.getByTestId('event-form');
      await form.waitFor();
      await form.getByTestId('event-title').fill('Kurs nach Vertragsende');
      await form.getByTestId('event-session-start').fill('2030-10-01T18:00');
      await form.getByTestId('event-session-end').fill('2030-10-01T19:00');
      const eventAnswer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/events' && r.request().method() === 'POST');
      await form.getByTestId('event-submit').click();
      assert.equal((await eventAnswer).status(), 409);
      const eventMessage = form.getByTestId('event-form-message');
      await eventMessage.waitFor();
      assert.equal((await eventMessage.innerText()).trim(), `Die Veranstaltung konnte nicht gespeichert werden. ${READ_ONLY_DE}`);
      assert.equal(await form.getByTestId('event-title').inputValue(), 'Kurs nach Vertragsende');
      const locationsAfter = await admin.request('GET', '/api/v1/locations');
      const eventsAfter = await admin.request('GET', '/api/v1/events');
      assert.deepEqual(locationsAfter.body, locationsBefore.body, 'no location was added');
      assert.equal(eventsAfter.body.length, eventsBefore.body.length, 'no event was added');

      // A reload: the banner comes back from the server's status.
      await page.reload();
      await banner.waitFor();
      assert.match(await banner.innerText(), new RegExp(`Seit ${sinceText.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

      // The archive, from the banner's link.
      await page.getByTestId('read-only-banner-link').click();
      await page.waitForURL(/#\/offboarding$/);
      const archiveCard = page.getByTestId('offboarding-archive');
      await archiveCard.waitFor();
      assert.match(await archiveCard.innerText(), new RegExp(`verfügbar bis ${untilText.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('offboarding-download').click()]);
      const filename = download.suggestedFilename();
      assert.match(filename, new RegExp(`^${TENANT}-export-\\d{4}-\\d{2}-\\d{2}\\.tar$`));
      const tarPath = join(suite.workDir, filename);
      await download.saveAs(tarPath);
      const tarBytes = readFileSync(tarPath);
      const result = page.getByTestId('offboarding-download-result');
      await result.waitFor();
      assert.equal(await result.getAttribute('data-filename'), filename);
      assert.equal(Number(await result.getAttribute('data-bytes')), tarBytes.length, 'the page names the size it saved');
      assert.match((await result.innerText()).trim(), new RegExp(`^Heruntergeladen: ${filename.replace(/\./g, '\\.')} \\(\\d+([,.]\\d)?\\s(kB|MB)\\)\\.$`));

      // Unpacked with tar: one JSON and one CSV per table, the manifest and its signature.
      const out = join(suite.workDir, 'unpacked');
      mkdirSync(out);
      execFileSync('tar', ['-xf', tarPath, '-C', out]);
      const dir = join(out, `${TENANT}-export`);
      const names = readdirSync(dir).sort();
      const manifestBytes = readFileSync(join(dir, 'manifest.json'));
      const manifest = JSON.parse(manifestBytes.toString('utf8'));
      assert.equal(manifest.tenant.slug, TENANT);
      const listed = manifest.files.map((f) => f.name);
      assert.deepEqual(names, [...listed, 'manifest.json', 'manifest.signature.json'].sort(), 'exactly the files the manifest lists');
      for (const table of ['participants', 'bookings', 'events', 'event_sessions', 'audit_entries']) {
        assert.ok(listed.includes(`${table}.json`) && listed.includes(`${table}.csv`), `${table} as JSON and CSV`);
      }
      // Every file's SHA-256 and size equal the manifest.
      for (const file of manifest.files) {
        const bytes = readFileSync(join(dir, file.name));
        assert.equal(sha256(bytes), file.sha256, `SHA-256 of ${file.name}`);
        assert.equal(bytes.length, file.bytes, `size of ${file.name}`);
        assert.equal(statSync(join(dir, file.name)).size, file.bytes);
      }
      // The manifest is signed by the platform (its public key, as the operator prints it).
      const signature = JSON.parse(readFileSync(join(dir, 'manifest.signature.json'), 'utf8'));
      assert.equal(signature.signed_file, 'manifest.json');
      assert.equal(signature.sha256, sha256(manifestBytes));
      assert.equal(signature.public_key, suite.server.cli(['certificate', 'public-key']).stdout.trim(), "the platform's key");
      assert.ok(verifyP256(signature.public_key, manifestBytes, signature.value), 'the manifest signature verifies');

      // Every participant (decrypted) and every booking is in it.
      const participants = JSON.parse(readFileSync(join(dir, 'participants.json'), 'utf8'));
      assert.equal(participants.length, 3);
      assert.equal(manifest.tables.participants, 3);
      for (const who of [ANNA, BERND, CARLA]) {
        const row = participants.find((p) => p.email === who.email);
        assert.ok(row, `${who.email} in participants.json`);
        assert.equal(row.name, who.name);
        assert.ok(participantIds.includes(row.id));
      }
      const archived = JSON.parse(readFileSync(join(dir, 'bookings.json'), 'utf8'));
      assert.equal(manifest.tables.bookings, 4);
      assert.deepEqual(archived.map((b) => b.id).sort(), bookings.map((b) => b.id).sort(), 'every booking');
      for (const b of bookings) {
        const row = archived.find((a) => a.id === b.id);
        assert.equal(row.participant_id, b.participant_id);
        assert.equal(row.event_id, b.event_id);
      }
      const participantsCsv = readFileSync(join(dir, 'participants.csv'), 'utf8');
      for (const who of [ANNA, BERND, CARLA]) assert.ok(participantsCsv.includes(who.email), `${who.email} in participants.csv`);
      const bookingsCsv = readFileSync(join(dir, 'bookings.csv'), 'utf8');
      for (const b of bookings) assert.ok(bookingsCsv.includes(b.id), `booking ${b.id} in bookings.csv`);

      // The download is audited with the archive's SHA-256.
      const audited = await admin.request('GET', '/api/v1/audit?action=tenant.archive_downloaded');
      assert.equal(audited.status, 200);
      assert.equal(audited.body.entries.length, 1, JSON.stringify(audited.body.entries));
      assert.equal(audited.body.entries[0].detail.sha256, sha256(tarBytes));

      // English.
      await page.getByTestId('lang-en').click();
      await page.getByRole('heading', { level: 1, name: 'End of contract' }).waitFor();
      assert.equal((await page.getByTestId('offboarding-badge').innerText()).trim(), 'read-only');
      assert.equal((await page.getByTestId('offboarding-download').innerText()).trim(), 'Download archive');
      await navTo(page, 'nav-locations');
      assert.match(await banner.innerText(), /^Read-only:\s+This tenant's contract is ending\. Nothing can be changed since /);
      await page.getByTestId('location-name').fill('New hall');
      await page.getByTestId('location-add').click();
      await waitFor(async () => (await page.getByTestId('location-message').innerText()).includes('read-only'), { message: 'English read-only message' });
      assert.equal(
        (await page.getByTestId('location-message').innerText()).trim(),
        'The location could not be added. The tenant is read-only because its contract is ending – nothing can be changed any more.',
      );

      assert.deepEqual(await opened.cspViolations(), [], 'no CSP violations');
      assert.deepEqual(opened.pageErrors, [], 'no uncaught page errors');
    } finally {
      await opened.context.close();
    }
  });
});
