// Retention settings and the processing record against the real server:
// - PRIV-6: the tenant admin opens "Aufbewahrung" from the navigation (after "Anfragen"), sees
//   both periods with their allowed ranges, the summary and the next people to become due; a
//   bad value is refused next to the field (the server's problem+json) and stays in the input,
//   nothing is saved; a good value is saved (audited), moves the due dates and is still there
//   after a reload;
// - RIGHTS-3: from there the admin opens the processing record ("Verarbeitungsverzeichnis"),
//   which shows the new period, the activities with their data categories (card pseudonyms,
//   IP hashes), the measures by TOM id and counts only — no participant's name or address —
//   and the "Drucken / als PDF speichern" button; the print stylesheet leaves only the record,
//   and Chromium's print-to-PDF makes a PDF of it; every retrieval is audited; English.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { apiSignIn, browserSuite, navTo, openPage, signIn } from './harness.mjs';
import { book, publishedCourse } from './fixtures.mjs';

const GRETA = { name: 'Greta Gedächtnis', email: 'greta.frist@example.org' };

/** The same instant as the page shows it (browser time zone, the UI's short date-time format). */
/** How the UI shows a server time: in the tenant's zone (the default, Europe/Berlin). */
function shown(page, iso, locale) {
  return page.evaluate(
    ([value, loc]) => new Intl.DateTimeFormat(loc, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Berlin' }).format(new Date(value)),
    [iso, locale],
  );
}

describe('retention settings and processing record', { timeout: 900_000 }, () => {
  const suite = browserSuite({ tenantAdmin: true });

  test('PRIV-6 admin sets the retention periods (bad value kept with the error, good value saved) and RIGHTS-3 the processing record shows them, printable', async () => {
    const baseUrl = suite.server.baseUrl;
    const admin = await apiSignIn(baseUrl);
    const course = await publishedCourse(admin, 'Fristenkurs');
    await book(suite.server, course, GRETA);

    const opened = await openPage(suite.browser);
    const { page } = opened;
    try {
      await signIn(page, baseUrl);

      // "Aufbewahrung" right after "Anfragen".
      const navLinks = await page.locator('.app-nav__link').evaluateAll((links) => links.map((a) => a.getAttribute('data-testid')));
      assert.equal(navLinks[navLinks.indexOf('nav-requests') + 1], 'nav-retention', `retention after requests (${navLinks})`);
      const nav = page.getByTestId('nav-retention');
      assert.equal((await nav.innerText()).trim(), 'Aufbewahrung');
      await navTo(page, 'nav-retention');
      await page.waitForURL(/#\/retention$/);
      await page.getByRole('heading', { level: 1, name: 'Aufbewahrung' }).waitFor();
      assert.match(await page.getByTestId('retention-intro').innerText(), /PRIV-6/);

      // The periods (defaults) with their allowed ranges.
      const participants = page.getByTestId('retention-participants');
      const audit = page.getByTestId('retention-audit');
      await participants.waitFor();
      assert.equal(await participants.inputValue(), '12');
      assert.equal(await audit.inputValue(), '24');
      const form = page.getByTestId('retention-form');
      assert.match(await form.innerText(), /Erlaubt: 1 bis 120 Monate/);
      assert.match(await form.innerText(), /Erlaubt: 12 bis 120 Monate/);

      // The summary and who becomes due next: Greta, 12 months after her course.
      assert.equal((await page.getByTestId('retention-due-now').innerText()).trim(), '0');
      assert.equal((await page.getByTestId('retention-kept').innerText()).trim(), '0');
      assert.equal((await page.getByTestId('retention-updated').innerText()).trim(), 'Standardwerte');
      await page.getByTestId('retention-last-run').waitFor();
      const view = await admin.request('GET', '/api/v1/retention');
      assert.equal(view.status, 200);
      assert.equal(view.body.next_due.length, 1, JSON.stringify(view.body));
      const greta = view.body.next_due[0];
      assert.equal(greta.due_at, '2031-09-01T18:00:00Z');
      const row = page.locator(`[data-testid="retention-next-row"][data-participant="${greta.participant_id}"]`);
      await row.waitFor();
      assert.match(await row.innerText(), /Greta Gedächtnis/);
      assert.equal((await row.getByTestId('retention-next-due').innerText()).trim(), await shown(page, greta.due_at, 'de-DE'));

      // A value out of range: the server's reason next to the field, what was typed stays, nothing saved.
      await participants.fill('0');
      await page.getByTestId('retention-save').click();
      const fieldError = page.getByTestId('retention-participants-error');
      await fieldError.waitFor();
      assert.match(await fieldError.innerText(), /Bitte prüfen Sie diese Angabe\. Server: .*must be 1 to 120 months/);
      assert.equal(await participants.getAttribute('aria-invalid'), 'true');
      assert.equal(await participants.inputValue(), '0', 'the typed value stays');
      assert.equal(await audit.inputValue(), '24');
      assert.equal((await page.getByTestId('retention-message').innerText()).trim(), 'Bitte prüfen Sie die markierten Angaben.');
      assert.equal(await page.getByTestId('retention-audit-error').count(), 0);
      // Not a whole number: said before anything is sent.
      await participants.fill('2.5');
      await page.getByTestId('retention-save').click();
      await page.getByText('Bitte eine ganze Zahl von Monaten eingeben.').waitFor();
      assert.equal(await participants.inputValue(), '2.5');
      const unchanged = await admin.request('GET', '/api/v1/retention');
      assert.equal(unchanged.body.participant_retention_months, 12, 'nothing was saved');
      assert.equal(unchanged.body.updated_at ?? null, null);

      // A good value is saved: the due date moves to six months after the course.
      await participants.fill('6');
      await page.getByTestId('retention-save').click();
      await page.getByText('Gespeichert. Der nächste tägliche Lauf wendet die Fristen an.').waitFor();
      assert.equal(await fieldError.count(), 0, 'the error is gone');
      assert.equal(await participants.getAttribute('aria-invalid'), null);
      assert.equal((await row.getByTestId('retention-next-due').innerText()).trim(), await shown(page, '2031-03-01T18:00:00', 'de-DE'));
      assert.notEqual((await page.getByTestId('retention-updated').innerText()).trim(), 'Standardwerte');
      const changes = await admin.request('GET', '/api/v1/audit?action=tenant.retention_settings_changed');
      assert.equal(changes.body.entries.length, 1, 'the change is audited once');
      assert.equal(changes.body.entries[0].detail.participant_retention_months, 6);
      assert.equal(changes.body.entries[0].detail.participant_retention_months_before, 12);

      // After a reload the page shows what the server keeps.
      await page.reload();
      await participants.waitFor();
      await page.getByTestId('retention-summary').waitFor();
      assert.equal(await participants.inputValue(), '6');
      assert.equal(await audit.inputValue(), '24');

      // RIGHTS-3: the processing record, reached from the retention page.
      await page.getByTestId('retention-record-link').click();
      await page.waitForURL(/#\/processing-record$/);
      await page.getByRole('heading', { level: 1, name: 'Verarbeitungsverzeichnis' }).waitFor();
      const months = page.getByTestId('record-participant-months');
      await months.waitFor();
      assert.equal((await months.innerText()).trim(), '6 Monate');
      assert.equal(await months.getAttribute('data-months'), '6');
      assert.equal((await page.getByTestId('record-audit-months').innerText()).trim(), '24 Monate');
      assert.equal((await page.getByTestId('record-offboarding-days').innerText()).trim(), '30 Tage');
      assert.match(await page.getByTestId('record-controller').innerText(), /Demo-Sportverein/);
      assert.match(await page.getByTestId('record-processor').innerText(), /anwesend platform operator/);

      // The activities with their data categories as stored.
      const activities = await page.getByTestId('record-activity').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
      assert.deepEqual(activities, ['bookings', 'attendance', 'staff_accounts', 'mail', 'audit']);
      const categories = await page.getByTestId('record-category').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
      for (const id of ['name', 'email', 'phone', 'booking_answers', 'consent', 'attendance_records', 'card_pseudonym', 'staff_email', 'ip_hash']) {
        assert.ok(categories.includes(id), `data category ${id} (${categories})`);
      }
      const bookings = page.locator('[data-testid="record-activity"][data-id="bookings"]');
      assert.match(await bookings.getByTestId('record-activity-retention').innerText(), /^6 Monate nach der letzten Veranstaltung/);
      assert.match(await bookings.getByTestId('record-legal_basis').innerText(), /Art\. 6 Abs\. 1 lit\. b DSGVO/);
      assert.match(await page.locator('[data-testid="record-category"][data-id="card_pseudonym"]').innerText(), /nie gespeichert/);
      const toms = await page.getByTestId('record-tom').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
      for (const id of ['PRIV-6', 'RIGHTS-3', 'PSEUDO-1', 'DEL-4']) assert.ok(toms.includes(id), `measure ${id}`);
      assert.equal((await page.getByTestId('record-count-participants').innerText()).trim(), '1');
      assert.equal((await page.getByTestId('record-count-bookings').innerText()).trim(), '1');
      // Counts only: neither Greta's name nor her address, nor the admin's.
      const text = await page.getByTestId('processing-record').innerText();
      for (const secret of ['Greta', 'Gedächtnis', GRETA.email, 'admin@example.org']) {
        assert.ok(!text.includes(secret), `the record does not contain ${secret}`);
      }

      // Printable: the button opens the print dialog; on paper only the record remains.
      const print = page.getByTestId('record-print');
      assert.equal((await print.innerText()).trim(), 'Drucken / als PDF speichern');
      await page.evaluate(() => {
        window.__printed = 0;
        window.print = () => {
          window.__printed += 1;
        };
      });
      await print.click();
      assert.equal(await page.evaluate(() => window.__printed), 1, 'window.print() was called');
      await page.emulateMedia({ media: 'print' });
      for (const hidden of ['.app-header', '.app-nav', '.app-footer', '[data-testid="record-print"]', '[data-testid="record-back"]']) {
        assert.equal(await page.locator(hidden).first().isVisible(), false, `${hidden} is not printed`);
      }
      assert.ok(await page.getByTestId('record-toms').isVisible(), 'the record is printed');
      const pdf = await page.pdf({ format: 'A4' });
      assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-', 'print-to-PDF makes a PDF');
      assert.ok(pdf.length > 10_000, `a PDF with content (${pdf.length} bytes)`);
      await page.emulateMedia({ media: 'screen' });

      // English: the server writes the record's texts in the UI's language.
      await page.getByTestId('lang-en').click();
      await page.getByRole('heading', { level: 1, name: 'Processing record' }).waitFor();
      await page.getByText('6 months', { exact: true }).waitFor();
      assert.equal((await page.getByTestId('record-print').innerText()).trim(), 'Print / save as PDF');
      assert.match(await bookings.getByTestId('record-activity-retention').innerText(), /^6 months after the person's last event/);
      assert.match(await bookings.getByTestId('record-legal_basis').innerText(), /Art\. 6\(1\)\(b\) GDPR/);
      await page.getByTestId('record-back').click();
      await page.getByRole('heading', { level: 1, name: 'Retention' }).waitFor();
      assert.match(await page.getByTestId('retention-form').innerText(), /Allowed: 1 to 120 months/);

      // Each retrieval (German, English) is in the audit trail.
      const viewed = await admin.request('GET', '/api/v1/audit?action=processing_record.viewed');
      assert.equal(viewed.status, 200);
      assert.equal(viewed.body.entries.length, 2, JSON.stringify(viewed.body.entries.map((e) => e.detail)));

      assert.deepEqual(await opened.cspViolations(), [], 'no CSP violations');
      assert.deepEqual(opened.pageErrors, [], 'no uncaught page errors');
    } finally {
      await opened.context.close();
    }
  });
});
