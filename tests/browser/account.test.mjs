// The account page (#/account) against the real server:
// - ACC-8: a user sees their active sessions (device, times, IP hash key, which one is
//   this session) and ends another of them; that session is gone on the server at once.
// - ACC-5: changing the password checks the current one, then ends every other session;
//   the old password no longer signs in, the new one does.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ADMIN_PASSWORD, browserSuite, navTo, openPage, signIn, submitLogin, waitFor } from './harness.mjs';

const NEW_PASSWORD = 'Neues-Pferd-Batterie-2024';

/** Status of `GET /api/v1/auth/me` from inside `page` (its session cookie). */
async function meStatus(page) {
  return page.evaluate(async () => (await fetch('/api/v1/auth/me', { credentials: 'same-origin', cache: 'no-store' })).status);
}

/** The session rows once the table has loaded: [{ id, current, device, ipKey, badge }]. */
async function sessionRows(page) {
  return page.evaluate(() => {
    const status = document.querySelector('[data-testid="sessions-status"]');
    if (status?.getAttribute('data-state') !== 'ok') return null;
    return [...document.querySelectorAll('[data-testid="session-row"]')].map((row) => ({
      id: row.getAttribute('data-id'),
      current: row.getAttribute('data-current') === 'true',
      cells: [...row.querySelectorAll('td')].map((td) => td.innerText.trim()),
      badge: row.querySelector('[data-testid="session-current"]') !== null,
      endButton: row.querySelector('[data-testid="session-end"]') !== null,
    }));
  });
}

async function rowsWhen(page, accept, message) {
  return waitFor(
    async () => {
      const rows = await sessionRows(page);
      return rows && accept(rows) ? rows : null;
    },
    { message },
  );
}

/** Open the account page through the header navigation. */
async function openAccountPage(page) {
  await navTo(page, 'nav-account');
  await page.getByRole('heading', { level: 1, name: 'Mein Konto' }).waitFor();
}

describe('account page', { timeout: 900_000 }, () => {
  // A fresh server whose demo tenant has its admin (ADMIN_EMAIL / ADMIN_PASSWORD) and Chromium.
  const suite = browserSuite({ tenantAdmin: true });

  test('ACC-8 a user ends another of their sessions', async () => {
    const first = await openPage(suite.browser);
    const second = await openPage(suite.browser);
    try {
      await signIn(second.page, suite.server.baseUrl);
      await signIn(first.page, suite.server.baseUrl);
      assert.equal(await meStatus(second.page), 200, 'the second session is signed in');

      await openAccountPage(first.page);
      assert.match(first.page.url(), /#\/account$/);
      assert.equal(await first.page.getByTestId('nav-account').getAttribute('aria-current'), 'page');
      await first.page.getByRole('heading', { level: 2, name: 'Aktive Sitzungen' }).waitFor();
      await first.page.getByRole('heading', { level: 2, name: 'Passwort ändern' }).waitFor();

      const rows = await rowsWhen(first.page, (r) => r.length === 2, 'two sessions');
      assert.equal(rows.filter((r) => r.current).length, 1, 'exactly one current session');
      assert.equal(await first.page.getByTestId('session-current').count(), 1);
      assert.equal((await first.page.getByTestId('session-current').innerText()).trim(), 'Diese Sitzung');
      const current = rows.find((r) => r.current);
      const other = rows.find((r) => !r.current);
      assert.ok(current.badge && !current.endButton, 'the current session has the badge, no end button');
      assert.ok(other.endButton && !other.badge, 'the other session can be ended');
      for (const row of rows) {
        assert.match(row.cells[0], /Chrom/, 'device names the browser');
        assert.match(row.cells[1], /\d/, 'signed-in time shown');
        assert.match(row.cells[2], /\d/, 'last-used time shown');
      }
      const table = first.page.getByRole('table', { name: 'Ihre aktiven Sitzungen' });
      const headers = (await table.getByRole('columnheader').allTextContents()).map((h) => h.trim());
      assert.deepEqual(headers, ['Gerät', 'Angemeldet', 'Zuletzt genutzt', 'IP-Hash-Schlüssel', 'Aktion']);

      // End the other session.
      await first.page.locator(`[data-testid="session-row"][data-id="${other.id}"] [data-testid="session-end"]`).click();
      const after = await rowsWhen(first.page, (r) => r.length === 1, 'one session left');
      assert.equal(after[0].id, current.id);
      assert.ok(after[0].current);
      assert.match(await first.page.getByTestId('sessions-message').innerText(), /Beendete Sitzungen: 1/);
      assert.ok(await first.page.getByTestId('sessions-end-others').isDisabled(), 'nothing else to end');

      // The second browser's next API call finds its session gone; the first stays signed in.
      assert.equal(await meStatus(second.page), 401, 'the ended session answers 401');
      assert.equal(await meStatus(first.page), 200, 'this session is still signed in');

      // English view.
      await first.page.getByRole('button', { name: 'English' }).click();
      await first.page.getByRole('heading', { level: 1, name: 'My account' }).waitFor();
      assert.equal((await first.page.getByTestId('nav-account').innerText()).trim(), 'My account');
      assert.equal((await first.page.getByTestId('session-current').innerText()).trim(), 'This session');
      assert.equal((await first.page.getByTestId('sessions-end-others').innerText()).trim(), 'End all other sessions');

      assert.deepEqual(await first.cspViolations(), [], 'no CSP violations');
      assert.deepEqual(first.pageErrors, [], 'no uncaught page errors');

      // Sign out, so the next test starts without sessions of this one.
      await first.page.getByTestId('sign-out').click();
      await first.page.waitForURL(/#\/login$/);
      assert.equal(await meStatus(first.page), 401);
    } finally {
      await first.context.close();
      await second.context.close();
    }
  });

  test('ACC-5 changing the password ends the other sessions', async () => {
    const first = await openPage(suite.browser);
    const second = await openPage(suite.browser);
    try {
      await signIn(second.page, suite.server.baseUrl);
      await signIn(first.page, suite.server.baseUrl);
      await openAccountPage(first.page);
      await rowsWhen(first.page, (r) => r.length === 2 && r.filter((x) => x.current).length === 1, 'two sessions');

      const current = first.page.getByTestId('password-current');
      const fresh = first.page.getByTestId('password-new');
      const repeat = first.page.getByTestId('password-repeat');
      const submit = first.page.getByTestId('password-submit');

      // The repetition is checked in the browser.
      await current.fill(ADMIN_PASSWORD);
      await fresh.fill(NEW_PASSWORD);
      await repeat.fill(`${NEW_PASSWORD}x`);
      await submit.click();
      await first.page.getByTestId('password-repeat-error').waitFor();
      assert.equal(await repeat.getAttribute('aria-invalid'), 'true');

      // A wrong current password: field error from the server's problem `field`.
      await current.fill('definitely-not-the-password');
      await fresh.fill(NEW_PASSWORD);
      await repeat.fill(NEW_PASSWORD);
      await submit.click();
      const currentError = first.page.getByTestId('password-current-error');
      await currentError.waitFor();
      assert.equal((await currentError.innerText()).trim(), 'Das aktuelle Passwort ist falsch.');
      assert.equal(await current.getAttribute('aria-invalid'), 'true');
      assert.equal(await first.page.getByTestId('password-repeat-error').count(), 0, 'old field error cleared');
      await waitFor(async () => (await submit.isEnabled()) && (await current.inputValue()) === '', {
        message: 'fields emptied after submit',
      });
      assert.deepEqual(
        [await current.inputValue(), await fresh.inputValue(), await repeat.inputValue()],
        ['', '', ''],
        'password fields are emptied after submit',
      );
      assert.equal(await meStatus(second.page), 200, 'a failed change ends nothing');

      // The right one.
      await current.fill(ADMIN_PASSWORD);
      await fresh.fill(NEW_PASSWORD);
      await repeat.fill(NEW_PASSWORD);
      await submit.click();
      const message = first.page.getByTestId('password-message');
      await message.waitFor();
      assert.equal((await message.innerText()).trim(), 'Passwort geändert. Beendete andere Sitzungen: 1.');
      assert.equal(await message.getAttribute('role'), 'status');
      assert.equal(await first.page.getByTestId('password-current-error').count(), 0);
      assert.deepEqual(
        [await current.inputValue(), await fresh.inputValue(), await repeat.inputValue()],
        ['', '', ''],
      );
      await rowsWhen(first.page, (r) => r.length === 1 && r[0].current, 'only this session left');

      // Nothing of the passwords is kept in the browser.
      const stored = await first.page.evaluate(() => ({
        session: Object.entries(sessionStorage),
        local: localStorage.length,
      }));
      assert.ok(
        stored.session.every(([, v]) => !v.includes(NEW_PASSWORD) && !v.includes(ADMIN_PASSWORD)),
        'no password in sessionStorage',
      );
      assert.equal(stored.local, 0);

      assert.equal(await meStatus(second.page), 401, 'the other session has ended');
      assert.equal(await meStatus(first.page), 200, 'this session stays signed in');

      // The old password no longer signs in, the new one does.
      const third = await openPage(suite.browser);
      try {
        await third.page.goto(`${suite.server.baseUrl}/#/login`);
        await third.page.getByRole('heading', { level: 1, name: 'Anmelden' }).waitFor();
        await submitLogin(third.page, { password: ADMIN_PASSWORD });
        const error = third.page.getByTestId('login-error');
        await error.waitFor();
        assert.equal((await error.innerText()).trim(), 'E-Mail oder Passwort falsch.');
        // The failed attempts (wrong current password, old password) may have started the
        // sign-in back-off (ACC-4): wait as long as the UI says, then sign in.
        for (let attempt = 1; ; attempt += 1) {
          await submitLogin(third.page, { password: NEW_PASSWORD });
          const outcome = await waitFor(
            async () => {
              if ((await third.page.getByTestId('sign-out').count()) === 1) return { signedIn: true };
              if ((await third.page.getByTestId('login-submit').isEnabled()) && (await error.isVisible())) {
                return { text: (await error.innerText()).trim() };
              }
              return null;
            },
            { message: `sign-in with the new password (attempt ${attempt})` },
          );
          if (outcome.signedIn) break;
          const wait = /in (\d+) s/.exec(outcome.text);
          assert.ok(wait && attempt < 4, `sign-in with the new password refused: ${outcome.text}`);
          await sleep((Number(wait[1]) + 1) * 1000);
        }
        assert.equal(await meStatus(third.page), 200);
      } finally {
        await third.context.close();
      }

      assert.deepEqual(await first.cspViolations(), [], 'no CSP violations');
      assert.deepEqual(first.pageErrors, [], 'no uncaught page errors');
    } finally {
      await first.context.close();
      await second.context.close();
    }
  });
});
