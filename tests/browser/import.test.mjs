// CSV import and mail texts (issue 23), with an SMTP sink: the tenant admin opens
// "Teilnehmende importieren" from the grouped navigation, uploads a class list as German
// Excel saves it (Windows-1252, semicolons) with two bad rows (a formula cell, a broken
// address); the preview shows each row's errors and what the others become, the import
// stays blocked and nothing is written; leaving the bad rows out imports the rest (seats,
// then the waiting list). Then "Mail-Texte": a text without its link is refused next to
// the field, the booking confirmation is rewritten, previewed with sample values and
// saved; a second import with mails sends that text through the real SMTP server.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { apiSignIn, browserSuite, navTo, openPage, signIn } from './harness.mjs';

/** Windows-1252 bytes of `text` (every character here is in Latin-1). */
function cp1252(text) {
  return Buffer.from([...text].map((c) => {
    const code = c.codePointAt(0);
    if (code > 0xff) throw new Error(`not in Latin-1: ${c}`);
    return code;
  }));
}

describe('CSV import and mail texts (issue 23)', () => {
  const suite = browserSuite({ tenantAdmin: true, mail: true });

  test('a class list with errors: preview, nothing written, skip the bad rows; an edited mail text reaches the mailbox', async () => {
    const { baseUrl } = suite.server;
    const admin = await apiSignIn(baseUrl);
    const created = await admin.request('POST', '/api/v1/events', {
      kind: 'course',
      title: 'Schwimmkurs 7b',
      description: '',
      capacity: 2,
      waiting_list: true,
      fields: [],
      sessions: [{ starts_at: '2030-09-01T17:00:00', ends_at: '2030-09-01T18:00:00' }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const event = created.body;
    const second = await admin.request('POST', '/api/v1/events', {
      kind: 'course', title: 'Schwimmkurs 7c', description: '', capacity: 10, waiting_list: false, fields: [],
      sessions: [{ starts_at: '2030-09-08T17:00:00', ends_at: '2030-09-08T18:00:00' }],
    });
    assert.equal(second.status, 201, JSON.stringify(second.body));
    const bookings = async () => (await admin.request('GET', `/api/v1/events/${event.id}/bookings`)).body;

    const { page, pageErrors, cspViolations } = await openPage(suite.browser);
    await signIn(page, baseUrl);
    await navTo(page, 'nav-import');
    await page.getByRole('heading', { level: 1, name: 'Teilnehmende importieren' }).waitFor();
    await page.getByTestId('import-event').selectOption(event.id);
    const file = cp1252(
      'Vorname;Nachname;E-Mail\r\n' +
        'Jürgen;Müller;juergen@example.org\r\n' +
        '=HYPERLINK("http://boese.example");X;x@example.org\r\n' +
        'Kim;Kaputt;keine-adresse\r\n' +
        'Lea;Lustig;lea@example.org\r\n' +
        'Mia;Meier;mia@example.org\r\n',
    );
    await page.getByTestId('import-file').setInputFiles({ name: 'klasse-7b.csv', mimeType: 'text/csv', buffer: file });
    await page.getByTestId('import-preview').click();
    const summary = page.getByTestId('import-summary');
    await summary.waitFor();
    assert.equal(await summary.getAttribute('data-invalid'), '2');
    assert.equal(await summary.getAttribute('data-valid'), '3');
    assert.match(await page.getByTestId('import-detected').textContent(), /windows-1252.*„;“/);
    assert.equal(await page.getByTestId('import-map-first_name').inputValue(), '0', 'the columns are guessed from their names');
    const rows = page.getByTestId('import-row');
    assert.equal(await rows.count(), 5);
    assert.match(await rows.nth(0).textContent(), /Jürgen Müller.*Platz/, 'umlauts read from Windows-1252');
    assert.match(await rows.nth(1).textContent(), /Tabellenformel/);
    assert.match(await rows.nth(2).textContent(), /E-Mail: ungültig/);
    assert.match(await rows.nth(4).textContent(), /Warteliste/, 'two seats: the third goes on the waiting list');
    // Blocked while rows have errors; the server refuses it too, and nothing is written.
    assert.ok(await page.getByTestId('import-blocked').isVisible());
    assert.equal(await page.getByTestId('import-run').isDisabled(), true);
    const refused = await admin.request('POST', `/api/v1/events/${event.id}/import`, { file_base64: file.toString('base64') });
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.deepEqual(await bookings(), [], 'nothing written while rows have errors');

    await page.getByTestId('import-skip').check();
    await page.getByTestId('import-run').click();
    const message = page.getByTestId('import-message');
    await message.waitFor();
    assert.match(await message.textContent(), /Importiert: 3 \(2 mit Platz, 1 auf der Warteliste\); ausgelassen: 2/);
    const booked = await bookings();
    assert.deepEqual(booked.map((b) => [b.name, b.status]).sort(), [
      ['Jürgen Müller', 'confirmed'],
      ['Lea Lustig', 'confirmed'],
      ['Mia Meier', 'waiting'],
    ]);

    // Mail texts: the link cannot be removed; the confirmation text is rewritten.
    await navTo(page, 'nav-mail-texts');
    await page.getByRole('heading', { level: 1, name: 'Mail-Texte' }).waitFor();
    await page.getByTestId('mailtexts-kind').selectOption('sign_in_link');
    await page.getByTestId('mailtexts-body').fill('Guten Tag, bitte melden Sie sich an.');
    await page.getByTestId('mailtexts-save').click();
    await page.getByTestId('mailtexts-body-error').waitFor();
    assert.match(await page.getByTestId('mailtexts-body-error').textContent(), /\{\{link\}\}/);
    await page.getByTestId('mailtexts-kind').selectOption('booking_confirmed');
    assert.equal(await page.getByTestId('mailtexts-editor').getAttribute('data-customised'), 'no');
    await page.getByTestId('mailtexts-subject').fill('Willkommen im {{event}}');
    await page.getByTestId('mailtexts-body').fill('Hallo!\n\nDu bist dabei: {{event}}\n{{dates}}\n\nDeine Buchungen: {{portal_link}}\n\n{{tenant}}');
    await page.getByTestId('mailtexts-preview').click();
    await page.getByTestId('mailtexts-preview-box').waitFor();
    assert.equal(await page.getByTestId('mailtexts-preview-subject').textContent(), 'Willkommen im Schwimmkurs für Anfänger');
    await page.getByTestId('mailtexts-save').click();
    await waitForText(page.getByTestId('mailtexts-message'), /gespeichert/);
    assert.equal(await page.getByTestId('mailtexts-editor').getAttribute('data-customised'), 'yes');

    // A second import into another course, with mails: the new text arrives through the SMTP server.
    await navTo(page, 'nav-import');
    await page.getByTestId('import-event').selectOption(second.body.id);
    await page.getByTestId('import-file').setInputFiles({
      name: 'nachzuegler.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('\uFEFFName,E-Mail\r\nNoah Neu,noah@example.org\r\n', 'utf8'),
    });
    await page.getByTestId('import-preview').click();
    await page.getByTestId('import-summary').waitFor();
    await page.getByTestId('import-mails').check();
    await page.getByTestId('import-run').click();
    await waitForText(page.getByTestId('import-message'), /Importiert: 1/);
    const mail = await suite.mailbox.waitForMail({ to: 'noah@example.org' });
    assert.equal(mail.subject, 'Willkommen im Schwimmkurs 7c');
    assert.match(mail.text, /Du bist dabei: Schwimmkurs 7c\n08.09.2030 19:00 – 20:00 \(Europe\/Berlin\)/);
    assert.match(mail.text, /#\/p\/demo\/login/);

    assert.deepEqual(pageErrors, []);
    assert.deepEqual(await cspViolations(), []);
  });
});

async function waitForText(locator, pattern) {
  await locator.waitFor();
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (pattern.test((await locator.textContent()) ?? '')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`timed out waiting for ${pattern}`);
}
