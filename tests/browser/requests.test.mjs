// The tenant admin's queue of requests about personal data ("Anfragen", TOM RIGHTS-2,
// PRIV-4) against the real server, with the dev mail files (`<data dir>/mail/*.eml`):
// - a participant signs in by magic link and asks for erasure in the portal; the admin
//   opens "Anfragen" from the navigation, sees the request with its due date (one month
//   after receipt), reads in the confirmation what an erasure does (irreversible), carries
//   it out; afterwards the portal session and an unused sign-in link no longer work, a new
//   link is never mailed, the person is gone from the participant search and the deletion
//   log has the erasure;
// - the admin records a request received by phone (the form says what is missing first),
//   carries out the restriction it asks for; the participant is marked restricted in the
//   search and on their record, the booking page refuses them with a clear sentence; the
//   admin lifts the restriction and the booking goes through.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { apiSignIn, browserSuite, navTo, openPage, signIn, TENANT, waitFor } from './harness.mjs';
import { book, confirmationLink, MailFiles, magicLink, publishedCourse, waitForState } from './fixtures.mjs';

const ERIKA = { name: 'Erika Mustermann', email: 'erika.loeschen@example.org' };
const HANS = { name: 'Hans Zeuge', email: 'hans.zeuge@example.org' };
const MAX = { name: 'Max Beispiel', email: 'max.einschraenken@example.org' };

/** A server time (RFC 3339 in UTC, maybe with microseconds) as the UI reads it: milliseconds kept. */
function utc(value) {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,3})?/.exec(value);
  assert.ok(m, `a server time: ${value}`);
  return new Date(`${m[1]}${m[2] ?? ''}Z`);
}

/** Asks for a sign-in link on the participant sign-in page. */
async function askForLink(page, baseUrl, email) {
  await page.goto(`${baseUrl}/#/p/${TENANT}/login`);
  await page.getByTestId('plogin-email').fill(email);
  await page.getByTestId('plogin-submit').click();
  await waitFor(async () => ((await page.getByTestId('plogin-sent').count()) > 0 ? (await page.getByTestId('plogin-sent').innerText()).includes(email) : false), {
    message: 'the sign-in link is on its way',
  });
}

/** `{ status }` of a portal request with a Bearer token, from inside `page`. */
async function portalStatus(page, token) {
  return page.evaluate(async (tok) => {
    const res = await fetch('/api/v1/portal/me', { headers: { Accept: 'application/json', Authorization: `Bearer ${tok}` }, cache: 'no-store' });
    return res.status;
  }, token);
}

/** Searches on the participants page; the e-mail addresses found. */
async function searchParticipants(page, q) {
  await page.getByTestId('participants-q').fill(q);
  await page.getByTestId('participants-submit').click();
  await waitFor(async () => (await page.getByTestId('participants-status').getAttribute('data-state')) !== 'loading', { message: `search for ${q}` });
  assert.equal(await page.getByTestId('participants-status').getAttribute('data-state'), 'ok');
  return page.getByTestId('participant-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-email')));
}

/** Opens "Anfragen" from the navigation and waits for the list. */
async function openRequests(page) {
  await navTo(page, 'nav-requests');
  await page.waitForURL(/#\/requests$/);
  await page.getByRole('heading', { level: 1, name: 'Anfragen' }).waitFor();
  await waitForState(page.getByTestId('requests-status'), 'ok', 'requests loaded');
}

describe('requests about personal data (Anfragen)', { timeout: 900_000 }, () => {
  const suite = browserSuite({ tenantAdmin: true, workDirPrefix: 'anwesend-requests-' });

  test("RIGHTS-2 PRIV-4 a participant's erasure request is carried out from the queue", async () => {
    const { baseUrl, dataDir } = suite.server;
    const mails = new MailFiles(dataDir);
    const admin = await apiSignIn(baseUrl);
    const course = await publishedCourse(admin, 'Rückenfit');
    await book(suite.server, course, ERIKA, mails);
    await mails.next(ERIKA.email); // the booking confirmation
    await book(suite.server, course, HANS, mails); // a bystander, to know when the outbox has been worked off
    await mails.next(HANS.email);

    const participant = await openPage(suite.browser);
    const staff = await openPage(suite.browser);
    let later = null;
    try {
      // --- Participant: sign in by magic link, ask for erasure in the portal -------------
      const p = participant.page;
      await askForLink(p, baseUrl, ERIKA.email);
      const link = magicLink((await mails.next(ERIKA.email)).text);
      const redeemed = p.waitForResponse((r) => new URL(r.url()).pathname.endsWith('/magic-link/redeem'));
      await p.goto(link);
      const redeemResponse = await redeemed;
      assert.equal(redeemResponse.status(), 200, await redeemResponse.text());
      const { token } = await redeemResponse.json();
      assert.ok(token, 'a portal session');
      await p.goto(`${baseUrl}/#/p/${TENANT}/portal`);
      assert.equal((await p.getByTestId('portal-email').innerText()).trim(), ERIKA.email);
      await p.getByTestId('portal-request-kind').selectOption('erasure');
      await p.getByTestId('portal-request-message').fill('Bitte löschen Sie alle meine Daten.');
      await p.getByTestId('portal-request-submit').click();
      await p.locator('[data-testid="portal-request-row"][data-kind="erasure"][data-status="open"]').waitFor();

      // A second sign-in link, requested now and never used: it must die with the person.
      later = await openPage(suite.browser);
      await askForLink(later.page, baseUrl, ERIKA.email);
      const unusedLink = magicLink((await mails.next(ERIKA.email)).text);

      // --- Admin: "Anfragen" in the navigation, right after the deletion log ------------
      const { page } = staff;
      await signIn(page, baseUrl);
      const navLinks = await page.locator('.app-nav__link').evaluateAll((links) => links.map((a) => a.getAttribute('data-testid')));
      assert.equal(navLinks[navLinks.indexOf('nav-deletion-log') + 1], 'nav-requests', `"Anfragen" after "Löschprotokoll" (${navLinks})`);
      assert.equal((await page.getByTestId('nav-requests').innerText()).trim(), 'Anfragen');
      await openRequests(page);
      assert.equal(await page.getByTestId('nav-requests').getAttribute('aria-current'), 'page');
      assert.match(await page.getByTestId('requests-intro').innerText(), /ein Monat nach Eingang/);

      const listed = await admin.request('GET', '/api/v1/subject-requests');
      assert.equal(listed.status, 200, JSON.stringify(listed.body));
      const request = listed.body.find((r) => r.kind === 'erasure' && r.participant_name === ERIKA.name);
      assert.ok(request, `the erasure request is in the queue: ${JSON.stringify(listed.body)}`);
      const received = utc(request.created_at);
      const due = utc(request.due_at);
      const days = (due - received) / 86_400_000;
      assert.ok(days >= 28 && days <= 31, `due one month after receipt (${request.created_at} → ${request.due_at})`);

      const row = page.locator(`[data-testid="request-row"][data-id="${request.id}"]`);
      await row.waitFor();
      assert.equal(await row.getAttribute('data-status'), 'open');
      assert.equal(await row.getAttribute('data-overdue'), 'false');
      assert.equal((await row.getByTestId('request-kind').innerText()).trim(), 'Löschung');
      assert.equal((await row.getByTestId('request-message').innerText()).trim(), 'Bitte löschen Sie alle meine Daten.');
      assert.equal((await row.getByTestId('request-person').innerText()).trim(), ERIKA.name);
      assert.equal((await row.getByTestId('request-via').innerText()).trim(), 'Portal');
      assert.equal((await row.getByTestId('request-status').innerText()).trim(), 'offen');
      assert.equal(await row.getByTestId('request-overdue').count(), 0, 'not overdue');
      // The due date, shown in local time: the <time> carries the server's instant.
      assert.equal(await row.getByTestId('request-due').locator('time').getAttribute('datetime'), due.toISOString());
      assert.match(await row.getByTestId('request-due').innerText(), new RegExp(String(due.getUTCFullYear())));
      assert.match((await page.getByTestId('requests-status').innerText()).trim(), /^Anfragen: \d+, davon offen: \d+\.$/);

      // The confirmation says what will happen; "Abbrechen" changes nothing.
      await row.getByTestId('request-execute').click();
      const dialog = page.getByTestId('request-execute-dialog');
      await dialog.waitFor({ state: 'visible' });
      const dialogText = await dialog.innerText();
      assert.match(dialogText, /Löschung: Anfrage ausführen\?/);
      assert.match(dialogText, new RegExp(`Löscht die Daten von ${ERIKA.name} unwiderruflich`));
      assert.match(dialogText, /nicht rückgängig/);
      assert.match(dialogText, /bekommt eine E-Mail/);
      assert.equal((await page.getByTestId('request-execute-dialog-confirm').innerText()).trim(), 'Ja, endgültig löschen');
      await page.getByTestId('request-execute-dialog-cancel').click();
      await dialog.waitFor({ state: 'hidden' });
      assert.equal(await row.getAttribute('data-status'), 'open');

      await row.getByTestId('request-execute').click();
      await dialog.waitFor({ state: 'visible' });
      const executed = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith(`/subject-requests/${request.id}/execute`));
      await page.getByTestId('request-execute-dialog-confirm').click();
      assert.equal((await executed).status(), 200);
      assert.equal(
        (await page.getByTestId('requests-message').innerText()).trim(),
        `Die Daten von ${ERIKA.name} sind gelöscht. Die Person bekommt eine letzte E-Mail darüber.`,
      );
      await waitFor(async () => (await row.getAttribute('data-status')) === 'done', { message: 'the request is done' });
      assert.equal(await row.getByTestId('request-person').getAttribute('data-erased'), 'true');
      assert.equal((await row.getByTestId('request-person').innerText()).trim(), 'gelöscht');
      assert.equal((await row.getByTestId('request-status').innerText()).trim(), 'erledigt');
      assert.equal(await row.getByTestId('request-execute').count(), 0, 'nothing left to carry out');
      assert.equal(await row.getByTestId('request-message').count(), 0, 'the message is erased too');
      assert.ok(!(await page.getByTestId('requests-table').innerText()).includes(ERIKA.name), 'the name is nowhere in the queue');

      // The last mail to the person says so; nothing else goes to the address afterwards.
      const notice = await mails.next(ERIKA.email);
      assert.match(notice.subject, /Ihre Anfrage bei .* wurde bearbeitet/);
      assert.match(notice.text, /Ihre Daten wurden gelöscht/);

      // --- Participant: the session and the unused link are dead --------------------------
      assert.equal(await portalStatus(p, token), 401, 'the portal session is gone');
      await p.reload();
      await p.waitForURL(new RegExp(`#/p/${TENANT}/login\\?expired=1$`));
      await p.getByTestId('plogin-expired').waitFor();
      await later.page.goto(unusedLink);
      await later.page.getByTestId('plogin-invalid').waitFor();
      // Asking for a new link gives the neutral answer, but no mail is written: the
      // bystander's link, asked for afterwards, arrives and Erika's does not.
      await askForLink(later.page, baseUrl, ERIKA.email);
      await askForLink(later.page, baseUrl, HANS.email);
      assert.ok(magicLink((await mails.next(HANS.email)).text));
      await sleep(1000);
      assert.deepEqual(mails.unseen(ERIKA.email), [], 'no sign-in link for an erased person');

      // --- Staff: the person is not found any more; the deletion log has the erasure ------
      await navTo(page, 'nav-participants');
      await page.getByRole('heading', { level: 1, name: 'Teilnehmende' }).waitFor();
      assert.deepEqual(await searchParticipants(page, ERIKA.email), []);
      assert.deepEqual(await searchParticipants(page, 'Mustermann'), []);
      assert.deepEqual(await searchParticipants(page, 'Erika'), []);
      assert.deepEqual(await searchParticipants(page, HANS.email), [HANS.email], 'others are still found');
      await navTo(page, 'nav-deletion-log');
      await page.locator('[data-testid="deletion-row"][data-category="participant_profile"]').waitFor();

      // English.
      await navTo(page, 'nav-requests');
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { level: 1, name: 'Requests' }).waitFor();
      await waitForState(page.getByTestId('requests-status'), 'ok', 'requests loaded');
      assert.equal((await row.getByTestId('request-kind').innerText()).trim(), 'Erasure');
      assert.equal((await page.getByTestId('nav-requests').innerText()).trim(), 'Requests');
      await page.getByRole('button', { name: 'Deutsch' }).click();

      for (const opened of [participant, staff, later]) {
        assert.deepEqual(await opened.cspViolations(), [], 'no CSP violations');
        assert.deepEqual(opened.pageErrors, [], 'no uncaught page errors');
      }
    } finally {
      await participant.context.close();
      await staff.context.close();
      await later?.context.close();
    }
  });

  test('RIGHTS-2 a request received by phone; restriction refuses a booking until it is lifted', async () => {
    const { baseUrl, dataDir } = suite.server;
    const mails = new MailFiles(dataDir);
    const admin = await apiSignIn(baseUrl);
    const first = await publishedCourse(admin, 'Pilates');
    const second = await publishedCourse(admin, 'Pilates (Aufbau)');
    await book(suite.server, first, MAX, mails);
    await mails.next(MAX.email); // the booking confirmation

    const staff = await openPage(suite.browser);
    const visitor = await openPage(suite.browser);
    try {
      const { page } = staff;
      await signIn(page, baseUrl);
      await openRequests(page);

      // The form says what is missing and keeps what was typed.
      const form = page.getByTestId('request-new-form');
      await form.getByTestId('request-new-text').fill('Anruf am Vormittag: keine weitere Nutzung bis zur Klärung.');
      await form.getByTestId('request-new-submit').click();
      assert.equal((await page.getByTestId('request-person-error').innerText()).trim(), 'Bitte suchen und wählen Sie die Person.');
      assert.equal((await form.getByTestId('request-kind-error').innerText()).trim(), 'Bitte ausfüllen.');
      await form.getByTestId('request-via-error').waitFor();
      assert.equal((await form.getByTestId('request-new-message').innerText()).trim(), 'Bitte prüfen Sie die markierten Angaben.');
      assert.equal(await form.getByTestId('request-new-text').inputValue(), 'Anruf am Vormittag: keine weitere Nutzung bis zur Klärung.');

      // Choose the person through the participant search (whole words), then kind and channel.
      await page.getByTestId('request-person-q').fill('Beispiel');
      await page.getByTestId('request-person-submit').click();
      await waitForState(page.getByTestId('request-person-status'), 'ok', 'person search');
      const match = page.locator(`[data-testid="request-person-match"][data-email="${MAX.email}"]`);
      await match.getByTestId('request-person-pick').click();
      const chosen = page.getByTestId('request-person-chosen');
      assert.match(await chosen.innerText(), new RegExp(MAX.name));
      const participantId = await chosen.getAttribute('data-id');
      await form.getByTestId('request-kind').selectOption('restriction');
      await form.getByTestId('request-via').selectOption('phone');
      const createdAnswer = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/subject-requests' && r.request().method() === 'POST');
      await form.getByTestId('request-new-submit').click();
      const createdResponse = await createdAnswer;
      assert.equal(createdResponse.status(), 201, await createdResponse.text());
      const created = await createdResponse.json();
      assert.equal(created.received_via, 'phone');
      assert.equal(created.participant_id, participantId);
      assert.equal(
        (await form.getByTestId('request-new-message').innerText()).trim(),
        `Die Anfrage (Einschränkung) von ${MAX.name} ist erfasst.`,
      );
      assert.equal(await form.getByTestId('request-new-text').inputValue(), '', 'the form is empty again');

      const row = page.locator(`[data-testid="request-row"][data-id="${created.id}"]`);
      await row.waitFor();
      assert.equal(await row.getAttribute('data-status'), 'open');
      assert.equal((await row.getByTestId('request-via').innerText()).trim(), 'Telefon');
      assert.equal((await row.getByTestId('request-kind').innerText()).trim(), 'Einschränkung');
      assert.equal((await row.getByTestId('request-person').innerText()).trim(), MAX.name);
      assert.match(await row.getByTestId('request-message').innerText(), /Anruf am Vormittag/);

      // Carry it out: the person is restricted and told by mail.
      await row.getByTestId('request-execute').click();
      const dialog = page.getByTestId('request-execute-dialog');
      await dialog.waitFor({ state: 'visible' });
      assert.match(await dialog.innerText(), new RegExp(`Schränkt die Verarbeitung der Daten von ${MAX.name} ein`));
      assert.equal((await page.getByTestId('request-execute-dialog-confirm').innerText()).trim(), 'Ja, ausführen');
      await page.getByTestId('request-execute-dialog-confirm').click();
      assert.equal((await page.getByTestId('requests-message').innerText()).trim(), `${MAX.name} ist jetzt eingeschränkt.`);
      await waitFor(async () => (await row.getAttribute('data-status')) === 'done', { message: 'the request is done' });
      assert.match((await mails.next(MAX.email)).text, /eingeschränkt/);

      // Marked in the participant search and on the record.
      await navTo(page, 'nav-participants');
      await page.getByRole('heading', { level: 1, name: 'Teilnehmende' }).waitFor();
      assert.deepEqual(await searchParticipants(page, MAX.email), [MAX.email]);
      const person = page.locator(`[data-testid="participant-row"][data-id="${participantId}"]`);
      assert.equal(await person.getAttribute('data-restricted'), 'true');
      assert.equal((await person.getByTestId('participant-restricted').innerText()).trim(), 'eingeschränkt');
      await person.getByTestId('participant-attendance-link').click();
      await page.getByTestId('precord-name').waitFor();
      assert.equal((await page.getByTestId('precord-restricted').innerText()).trim(), 'eingeschränkt');
      assert.equal(await page.getByTestId('restriction-state').getAttribute('data-restricted'), 'true');
      await page.getByTestId('restriction-lift').waitFor();

      // --- The participant: booking is refused with a clear sentence ----------------------
      const v = visitor.page;
      const bookingLink = `${baseUrl}/#/book/${TENANT}/${second.id}`;
      const tryToBook = async () => {
        // A fresh page each time: after a request the page shows its answer, not the form.
        await v.goto('about:blank');
        await v.goto(bookingLink);
        await v.getByTestId('book-name').fill(MAX.name);
        await v.getByTestId('book-email').fill(MAX.email);
        await v.getByTestId('book-consent').check();
        await v.getByTestId('book-submit').click();
      };
      await tryToBook();
      // The page answers as for anyone (TOM PRIV-1); only the mail to the address says why.
      const requested = v.getByTestId('book-result');
      await requested.waitFor();
      assert.equal(await requested.getAttribute('data-status'), 'check_mail');
      assert.equal((await v.getByTestId('book-result-text').innerText()).trim(), 'Bitte bestätigen Sie Ihre Buchung über den Link in der E-Mail.');
      const refusal = await mails.next(MAX.email);
      assert.match(refusal.text, /zurzeit nicht möglich/);
      assert.ok(!refusal.text.includes('/confirm?token='), 'no confirmation link for a restricted person');

      // --- Admin lifts the restriction on the participants page ---------------------------
      await page.getByTestId('precord-back').click();
      await page.getByRole('heading', { level: 1, name: 'Teilnehmende' }).waitFor();
      assert.deepEqual(await searchParticipants(page, 'Max'), [MAX.email]);
      await person.getByTestId('participant-restriction').click();
      const panel = page.getByTestId('restriction-panel');
      await panel.waitFor();
      assert.match(await panel.getByTestId('restriction-state').innerText(), new RegExp(`${MAX.name} ist eingeschränkt \\(seit `));
      await panel.getByTestId('restriction-lift').click();
      await waitFor(async () => (await panel.getByTestId('restriction-state').getAttribute('data-restricted')) === 'false', {
        message: 'the restriction is lifted',
      });
      assert.equal((await panel.getByTestId('restriction-state').innerText()).trim(), `${MAX.name} ist nicht eingeschränkt.`);
      assert.equal(await person.getAttribute('data-restricted'), 'false');
      assert.equal(await person.getByTestId('participant-restricted').count(), 0);
      await panel.getByTestId('restriction-set').waitFor();
      await panel.getByTestId('restriction-close').click();
      await panel.waitFor({ state: 'detached' });
      const restriction = await admin.request('GET', `/api/v1/participants?q=${encodeURIComponent(MAX.email)}`);
      assert.equal(restriction.body[0].restricted_at, null, 'the server has lifted it too');

      // Now the booking goes through, once confirmed by the link in the mail.
      await tryToBook();
      await v.getByTestId('book-result').waitFor();
      await v.goto(confirmationLink((await mails.next(MAX.email)).text));
      const result = v.getByTestId('bconfirm-result');
      await result.waitFor();
      assert.equal(await result.getAttribute('data-status'), 'confirmed');

      // RIGHTS-1: an access request by letter; the admin downloads everything about the person.
      const access = await admin.request('POST', '/api/v1/subject-requests', { participant_id: participantId, kind: 'access', received_via: 'letter' });
      assert.equal(access.status, 201);
      await openRequests(page);
      const accessRow = page.locator(`[data-testid="request-row"][data-id="${access.body.id}"]`);
      await accessRow.waitFor();
      const [download] = await Promise.all([page.waitForEvent('download'), accessRow.getByTestId('request-export').click()]);
      assert.match(download.suggestedFilename(), /^participant-.*\.json$/);
      const exportPath = join(suite.workDir, 'access-export.json');
      await download.saveAs(exportPath);
      const exported = JSON.parse(readFileSync(exportPath, 'utf8'));
      assert.equal(exported.participant.email, MAX.email);
      assert.deepEqual(exported.bookings.map((b) => b.title).sort(), ['Pilates', 'Pilates (Aufbau)']);
      const actions = exported.audit_entries.map((e) => e.action);
      for (const action of ['subject_request.executed', 'participant.restriction_lifted']) {
        assert.ok(actions.includes(action), `${action} among the audit entries about the person: ${actions}`);
      }
      assert.match(await page.getByTestId('requests-message').innerText(), /Gespeichert als participant-/);

      // RIGHTS-1: a correction on "Teilnehmende"; a taken address is refused at its field.
      const paula = { name: 'Paula Platzhalter', email: 'paula.platzhalter@example.org' };
      await book(suite.server, first, paula, mails);
      await navTo(page, 'nav-participants');
      await page.getByRole('heading', { level: 1, name: 'Teilnehmende' }).waitFor();
      assert.deepEqual(await searchParticipants(page, MAX.email), [MAX.email]);
      await person.getByTestId('participant-correct').click();
      const correction = page.getByTestId('correction-panel');
      await correction.waitFor();
      assert.equal(await correction.getByTestId('correction-email').inputValue(), MAX.email);
      await correction.getByTestId('correction-email').fill(paula.email);
      await correction.getByTestId('correction-submit').click();
      assert.equal((await correction.getByTestId('correction-email-error').innerText()).trim(), 'Eine andere Person hat diese E-Mail-Adresse schon.');
      assert.equal(await correction.getByTestId('correction-email').inputValue(), paula.email, 'what was typed stays');
      await correction.getByTestId('correction-email').fill('max.korrigiert@example.org');
      await correction.getByTestId('correction-name').fill('Maximilian Beispiel');
      await correction.getByTestId('correction-submit').click();
      await waitFor(async () => (await correction.getByTestId('correction-message').innerText()).trim() === 'Korrigiert: Name, E-Mail-Adresse.', {
        message: 'the correction is saved',
      });
      assert.deepEqual(await searchParticipants(page, MAX.email), [], 'the old address finds no one');
      assert.deepEqual(await searchParticipants(page, 'Maximilian'), ['max.korrigiert@example.org']);

      for (const opened of [staff, visitor]) {
        assert.deepEqual(await opened.cspViolations(), [], 'no CSP violations');
        assert.deepEqual(opened.pageErrors, [], 'no uncaught page errors');
      }
    } finally {
      await staff.context.close();
      await visitor.context.close();
    }
  });
});
