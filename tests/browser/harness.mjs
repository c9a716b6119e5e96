// Shared helpers for the browser tests: start/stop the anwesend server as a
// child process and launch Debian's Chromium through playwright-core.
//
// Not a test file itself (node --test only runs *.test.mjs here).
import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/** The tenant the first `serve` in dev creates, and the admin the tests make for it. */
export const TENANT = 'demo';
export const ADMIN_EMAIL = 'admin@example.org';
export const ADMIN_PASSWORD = 'Korrekt-Pferd-Batterie-42';

/**
 * The longest any wait on the UI or the server may take before a test fails. Generous on
 * purpose: on a busy 2-core CI machine a page or an Argon2 sign-in can be many times slower
 * than on a quiet one. Every wait still ends as soon as its condition holds, so this costs
 * nothing when things are fast and weakens no assertion. `ANWESEND_TEST_WAIT_MS` overrides it.
 */
export const UI_WAIT_MS = Number(process.env.ANWESEND_TEST_WAIT_MS || 90_000);

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FRONTEND_DIST = join(PROJECT_ROOT, 'frontend', 'dist');

/** Server binary: $ANWESEND_BIN, else ${CARGO_TARGET_DIR:-target}/debug/anwesend. */
export function serverBinary() {
  if (process.env.ANWESEND_BIN) return resolve(PROJECT_ROOT, process.env.ANWESEND_BIN);
  return resolve(PROJECT_ROOT, process.env.CARGO_TARGET_DIR || 'target', 'debug', 'anwesend');
}

/** Chromium binary: $CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export function chromiumBinary() {
  return process.env.CHROMIUM_PATH || '/usr/bin/chromium';
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The policy the server must send with the shell (see frontend/README). */
export const EXPECTED_CSP_DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
  "form-action 'self'",
];

function checkPrerequisites() {
  const bin = serverBinary();
  if (!existsSync(bin)) {
    throw new Error(
      `anwesend server binary not found at ${bin}. Build it first (cargo build) or set ANWESEND_BIN.`,
    );
  }
  if (!existsSync(join(FRONTEND_DIST, 'index.html'))) {
    throw new Error(`${FRONTEND_DIST}/index.html missing. Build the frontend first: cd frontend && npm ci && npm run build`);
  }
  if (!existsSync(chromiumBinary())) {
    throw new Error(`Chromium not found at ${chromiumBinary()}. Run deploy/dev/frontend.sh (installs Debian's chromium).`);
  }
}

/** Ask the kernel for a free TCP port on 127.0.0.1. */
export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

/** Bounded log buffer so a failing test can show the server's last output. */
class LogTail {
  constructor(limit = 200) {
    this.limit = limit;
    this.lines = [];
  }
  push(prefix, chunk) {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      this.lines.push(`${prefix} ${line}`);
      if (this.lines.length > this.limit) this.lines.shift();
    }
  }
  toString() {
    return this.lines.join('\n');
  }
}

/**
 * A server under test. `start()` spawns `$ANWESEND_BIN serve` and waits until
 * GET /readyz answers 200; `stop()` sends SIGTERM (SIGKILL after a grace
 * period). The same instance can be restarted on the same port and data dir.
 */
export class AnwesendServer {
  /** `publicHost`: the host the browser opens; WebAuthn needs a domain (`localhost`), not an IP. */
  constructor({ port, dataDir, env = {}, publicHost = '127.0.0.1' }) {
    this.port = port;
    this.dataDir = dataDir;
    this.extraEnv = env;
    this.baseUrl = `http://${publicHost}:${port}`;
    this.child = null;
    this.exited = null;
    this.logs = new LogTail();
  }

  /** `env`: more ANWESEND_* settings for the server and its operator commands (e.g. `mailSink.env()`). */
  static async create({ env = {}, publicHost } = {}) {
    checkPrerequisites();
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'anwesend-browser-'));
    const server = new AnwesendServer({ port, dataDir, env, publicHost });
    await server.start();
    return server;
  }

  env() {
    return {
      ...process.env,
      ANWESEND_LISTEN: `127.0.0.1:${this.port}`,
      ANWESEND_PUBLIC_URL: this.baseUrl,
      ANWESEND_DATA_DIR: this.dataDir,
      ANWESEND_DATABASE_URL: `sqlite://${join(this.dataDir, 'anwesend.db')}`,
      ANWESEND_FRONTEND_DIR: FRONTEND_DIST,
      ANWESEND_ENVIRONMENT: 'dev',
      ...this.extraEnv,
    };
  }

  async start({ timeoutMs = 60_000 } = {}) {
    if (this.child) throw new Error('server already running');
    const child = spawn(serverBinary(), ['serve'], {
      cwd: PROJECT_ROOT,
      env: this.env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolveExit) => {
      child.once('exit', (code, signal) => resolveExit({ code, signal }));
      child.once('error', (error) => resolveExit({ code: null, signal: null, error }));
    });
    child.stdout.on('data', (chunk) => this.logs.push('[stdout]', chunk));
    child.stderr.on('data', (chunk) => this.logs.push('[stderr]', chunk));

    let exitInfo = null;
    this.exited.then((info) => {
      exitInfo = info;
    });

    const deadline = Date.now() + timeoutMs;
    let lastError = 'no answer yet';
    while (Date.now() < deadline) {
      if (exitInfo) {
        this.child = null;
        throw new Error(
          `anwesend serve exited before it was ready (${JSON.stringify(exitInfo)}; ${exitInfo.error ?? ''})\n${this.logs}`,
        );
      }
      try {
        const res = await fetch(`http://127.0.0.1:${this.port}/readyz`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
        lastError = `GET /readyz → ${res.status}`;
      } catch (err) {
        lastError = String(err?.cause?.code ?? err?.message ?? err);
      }
      await sleep(200);
    }
    await this.stop();
    throw new Error(`anwesend serve not ready within ${timeoutMs} ms (last: ${lastError})\n${this.logs}`);
  }

  /**
   * Run an operator command of the same binary against this server's
   * configuration (same ANWESEND_* variables), e.g.
   * `cli(['admin', 'create-tenant-admin', …], { input: 'password\n' })`.
   * Throws with stdout/stderr when it exits non-zero.
   */
  cli(args, { input = '', timeoutMs = 60_000 } = {}) {
    const result = spawnSync(serverBinary(), args, {
      cwd: PROJECT_ROOT,
      env: this.env(),
      input,
      encoding: 'utf8',
      timeout: timeoutMs,
    });
    if (result.error) throw result.error;
    if (result.status !== 0) {
      throw new Error(
        `anwesend ${args.join(' ')} exited with ${result.status ?? result.signal}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
      );
    }
    return { stdout: result.stdout, stderr: result.stderr };
  }

  /**
   * Make `email` an admin of `tenant` through the operator command (the
   * password goes in on stdin). In dev the first `serve` created the demo tenant.
   */
  createTenantAdmin({ tenant = TENANT, email = ADMIN_EMAIL, password = ADMIN_PASSWORD } = {}) {
    return this.cli(['admin', 'create-tenant-admin', '--tenant', tenant, '--email', email], { input: `${password}\n` });
  }

  /** Create a tenant with the operator command. */
  createTenant({ slug, name }) {
    return this.cli(['tenant', 'create', '--slug', slug, '--name', name]);
  }

  /** Give `email` (created if needed, with `password`) a partner-admin membership in `tenant`. */
  grantPartnerAdmin({ tenant, email, password }) {
    return this.cli(['admin', 'grant-partner-admin', '--email', email, '--tenant', tenant], { input: `${password}\n` });
  }

  /** Stop the server (SIGTERM, then SIGKILL after graceMs). Safe to call twice. */
  async stop({ signal = 'SIGTERM', graceMs = 10_000 } = {}) {
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const result = await Promise.race([this.exited, sleep(graceMs, 'timeout', { ref: false })]);
      if (result === 'timeout') {
        child.kill('SIGKILL');
        await this.exited;
      }
    }
  }

  /** Stop the server and remove its data directory. */
  async dispose() {
    try {
      await this.stop();
    } finally {
      rmSync(this.dataDir, { recursive: true, force: true });
    }
  }
}

/** Launch headless Debian Chromium via playwright-core. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumBinary(),
    headless: true,
    args: CHROMIUM_ARGS,
  });
}

/**
 * What the tests of one `describe` share, set up in its `before` hook and
 * released in its `after` hook: a fresh server, Chromium and, if asked for,
 * the demo tenant's admin (ADMIN_EMAIL / ADMIN_PASSWORD) and a scratch
 * directory (e.g. for downloads). Call it in the `describe` callback; the
 * fields are set once `before` has run.
 */
export function browserSuite({ tenantAdmin = false, workDirPrefix = null, mail = false, publicHost } = {}) {
  const suite = {
    /** @type {MailSink | undefined} the SMTP sink the server sends to (with `mail: true`) */
    mailbox: undefined,
    /** @type {AnwesendServer | undefined} */
    server: undefined,
    /** @type {import('playwright-core').Browser | undefined} */
    browser: undefined,
    /** @type {string | undefined} */
    workDir: undefined,
  };

  before(async () => {
    if (mail) suite.mailbox = await MailSink.start();
    suite.server = await AnwesendServer.create({ env: suite.mailbox?.serverEnv() ?? {}, publicHost });
    if (tenantAdmin) suite.server.createTenantAdmin();
    suite.browser = await launchBrowser();
    if (workDirPrefix) suite.workDir = mkdtempSync(join(tmpdir(), workDirPrefix));
  });

  after(async () => {
    await suite.browser?.close().catch(() => {});
    await suite.server?.dispose();
    await suite.mailbox?.dispose();
    if (suite.workDir) rmSync(suite.workDir, { recursive: true, force: true });
  });

  return suite;
}

/**
 * At start the app asks `GET /api/v1/auth/me` whether the session cookie still
 * belongs to someone; without a session the server answers 401, which Chromium
 * logs as "Failed to load resource … 401". That one answer is expected, not an
 * error of the page.
 */
function isAnonymousSessionProbe(msg) {
  return /status of 401\b/.test(msg.text()) && new URL(msg.location().url || 'about:blank', 'http://x').pathname === '/api/v1/auth/me';
}

/**
 * Open a fresh context + page and record console errors, page errors and CSP
 * violations (both the console messages and `securitypolicyviolation` events).
 */
export async function openPage(browser, { locale = 'de-DE', timezoneId = undefined } = {}) {
  const context = await browser.newContext({ locale, timezoneId, serviceWorkers: 'block' });
  // Playwright's own default (30 s per action) is what failed on a loaded machine.
  context.setDefaultTimeout(UI_WAIT_MS);
  context.setDefaultNavigationTimeout(UI_WAIT_MS);
  const page = await context.newPage();
  const consoleErrors = [];
  const pageErrors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !isAnonymousSessionProbe(msg)) consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
    });
  });
  const cspViolations = async () => {
    const fromEvents = await page.evaluate(() => window.__cspViolations ?? []);
    const fromConsole = consoleErrors.filter((t) => /Content[ -]Security[ -]Policy/i.test(t));
    return [...fromEvents, ...fromConsole];
  };
  return { context, page, consoleErrors, pageErrors, cspViolations };
}

/** Poll `fn` until it returns a truthy value or the timeout passes. */
export async function waitFor(fn, { timeoutMs = UI_WAIT_MS, intervalMs = 100, message = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (last) return last;
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${message} (last: ${JSON.stringify(last)})`);
}

/** Fill in the sign-in form on the current page and send it (does not wait for the answer). */
export async function submitLogin(page, { email = ADMIN_EMAIL, password = ADMIN_PASSWORD } = {}) {
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

/** Sign in through the login form and wait for the account in the header. */
/**
 * Opens a page through the grouped staff navigation (issue 23): unfolds the phone menu
 * and the link's group when the link is not visible, then follows it.
 */
export async function navTo(page, testId) {
  const link = page.getByTestId(testId);
  await link.waitFor({ state: 'attached' });
  if (!(await link.isVisible())) {
    const menu = page.getByTestId('nav-menu');
    if ((await menu.isVisible()) && (await menu.getAttribute('aria-expanded')) !== 'true') await menu.click();
    const group = page.getByTestId(`nav-group-${await link.getAttribute('data-nav-group')}`);
    if ((await group.count()) > 0 && (await group.getAttribute('aria-expanded')) !== 'true') await group.click();
  }
  await link.click();
}

export async function signIn(page, baseUrl, credentials = {}) {
  await page.goto(`${baseUrl}/#/login`);
  await page.getByRole('heading', { level: 1, name: 'Anmelden' }).waitFor();
  await submitLogin(page, credentials);
  await page.getByTestId('sign-out').waitFor();
}

// ---------------------------------------------------------------------------
// Mail: an SMTP sink on 127.0.0.1 that stores what the server sends.

/** A Python with aiosmtpd (Debian's python3-aiosmtpd lives in /usr/bin/python3's path). */
function pythonBinary() {
  if (process.env.ANWESEND_TEST_PYTHON) return process.env.ANWESEND_TEST_PYTHON;
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
async function waitForPort(port, { timeoutMs = 15_000, exited = () => null } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const info = exited();
    if (info) throw new Error(`SMTP sink exited before it listened (${JSON.stringify(info)})`);
    const ok = await new Promise((resolveConnect) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolveConnect(true);
      });
      socket.once('error', () => resolveConnect(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`) in a header value. */
export function decodeHeader(value) {
  return value
    .replace(/(=\?[^?]+\?[bBqQ]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (_, charset, encoding, text) => {
      const bytes =
        encoding.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64')
          : Buffer.from(
              text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (__, hex) => String.fromCharCode(parseInt(hex, 16))),
              'latin1',
            );
      return new TextDecoder(charset.toLowerCase()).decode(bytes);
    });
}

/** Quoted-printable: soft line breaks (`=` at the end of a line) and `=XX` bytes. */
export function decodeQuotedPrintable(text, charset = 'utf-8') {
  const binary = text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-Fa-f]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
  return new TextDecoder(charset).decode(Buffer.from(binary, 'latin1'));
}

function splitMessage(raw) {
  const m = /\r?\n\r?\n/.exec(raw);
  const head = m ? raw.slice(0, m.index) : raw;
  const body = m ? raw.slice(m.index + m[0].length) : '';
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!(name in headers)) headers[name] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function headerParam(value, name) {
  const m = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value ?? '');
  return m ? (m[1] ?? m[2]) : null;
}

/** The text of a (MIME) message part: text/plain preferred, quoted-printable/base64 decoded. */
function textOfPart(headers, body) {
  const type = (headers['content-type'] ?? 'text/plain').split(';')[0].trim().toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = headerParam(headers['content-type'], 'boundary');
    if (!boundary) return { type, text: body };
    const parts = body
      .split(`--${boundary}`)
      .slice(1)
      .filter((p) => !p.startsWith('--'))
      .map((p) => splitMessage(p.replace(/^\r?\n/, '')))
      .map((p) => textOfPart(p.headers, p.body));
    return parts.find((p) => p.type === 'text/plain') ?? parts[0] ?? { type, text: '' };
  }
  const charset = (headerParam(headers['content-type'], 'charset') ?? 'utf-8').toLowerCase();
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  let text;
  if (encoding === 'quoted-printable') text = decodeQuotedPrintable(body, charset);
  else if (encoding === 'base64') text = new TextDecoder(charset).decode(Buffer.from(body.replace(/\s+/g, ''), 'base64'));
  else text = body;
  return { type, text };
}

/** The parts of a stored mail other than its text (attachments): [{ type, filename, text }], decoded. */
export function attachmentsOf(raw) {
  const { headers, body } = splitMessage(raw);
  const boundary = headerParam(headers['content-type'], 'boundary');
  if (!boundary) return [];
  return body
    .split(`--${boundary}`)
    .slice(1)
    .filter((p) => !p.startsWith('--'))
    .map((p) => splitMessage(p.replace(/^\r?\n/, '')))
    .filter((p) => /attachment/i.test(p.headers['content-disposition'] ?? ''))
    .map((p) => ({ ...textOfPart(p.headers, p.body), filename: headerParam(p.headers['content-disposition'], 'filename') }));
}

/** Parse one stored mail: { to, subject, text, headers }. */
export function parseMail(raw) {
  const { headers, body } = splitMessage(raw);
  return {
    headers,
    to: decodeHeader(headers['x-rcptto'] ?? headers.to ?? ''),
    subject: decodeHeader(headers.subject ?? ''),
    text: textOfPart(headers, body).text,
  };
}

/** The invitation link (`…/#/invitation?token=…`) in a mail text. */
export function invitationLink(text) {
  const m = /https?:\/\/[^\s"'<>]+#\/invitation\?token=[A-Za-z0-9._~%+\-]+/.exec(text);
  if (!m) throw new Error(`no invitation link in the mail:\n${text}`);
  return m[0];
}

/**
 * `python3 -m aiosmtpd` (Debian's python3-aiosmtpd) on a free port of
 * 127.0.0.1, storing every mail in a Maildir; `serverEnv()` points the
 * server's outbox at it.
 */
export class MailSink {
  constructor({ port, dir }) {
    this.port = port;
    this.dir = dir;
    this.child = null;
    this.seen = new Set();
    this.logs = new LogTail();
  }

  static async start() {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'anwesend-mail-'));
    const sink = new MailSink({ port, dir });
    const child = spawn(
      pythonBinary(),
      ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox', join(dir, 'maildir')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    sink.child = child;
    let exitInfo = null;
    sink.exited = new Promise((resolveExit) => {
      child.once('exit', (code, signal) => {
        exitInfo = { code, signal };
        resolveExit(exitInfo);
      });
      child.once('error', (error) => {
        exitInfo = { error: String(error) };
        resolveExit(exitInfo);
      });
    });
    child.stdout.on('data', (chunk) => sink.logs.push('[smtp]', chunk));
    child.stderr.on('data', (chunk) => sink.logs.push('[smtp]', chunk));
    try {
      await waitForPort(port, { exited: () => exitInfo });
    } catch (err) {
      await sink.dispose();
      throw new Error(`${err.message}\n${sink.logs}`);
    }
    return sink;
  }

  /** The server settings that send mail here. */
  serverEnv() {
    return {
      ANWESEND_MAIL__TRANSPORT: 'smtp',
      ANWESEND_MAIL__SMTP__HOST: '127.0.0.1',
      ANWESEND_MAIL__SMTP__PORT: String(this.port),
      ANWESEND_MAIL__SMTP__SECURITY: 'none',
      ANWESEND_MAIL__POLL_SECONDS: '1',
    };
  }

  /** Every mail received so far, oldest first. */
  mails() {
    const out = [];
    for (const sub of ['new', 'cur']) {
      const folder = join(this.dir, 'maildir', sub);
      if (!existsSync(folder)) continue;
      for (const name of readdirSync(folder).sort()) {
        out.push({ id: `${sub}/${name}`, ...parseMail(readFileSync(join(folder, name), 'latin1')) });
      }
    }
    return out;
  }

  /**
   * The next mail to `to` not returned before: { subject, text, to, headers }.
   * The raw file is read as latin1 (bytes) so the decoders see the original octets.
   */
  async waitForMail({ to, timeoutMs = UI_WAIT_MS }) {
    const address = to.toLowerCase();
    const mail = await waitFor(
      () => this.mails().find((m) => !this.seen.has(m.id) && m.to.toLowerCase().includes(address)) ?? null,
      { timeoutMs, intervalMs: 200, message: `a mail to ${to}` },
    );
    this.seen.add(mail.id);
    return mail;
  }

  async dispose() {
    const child = this.child;
    this.child = null;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const result = await Promise.race([this.exited, sleep(5000, 'timeout', { ref: false })]);
      if (result === 'timeout') {
        child.kill('SIGKILL');
        await this.exited;
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// TOTP (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits) for the second factor.

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (spaces, dashes and padding ignored, any case). */
export function base32Decode(text) {
  const clean = text.toUpperCase().replace(/[\s=-]/g, '');
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const index = BASE32.indexOf(ch);
    if (index === -1) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The 30-second step a time falls in. */
export function totpStep(timeMs = Date.now()) {
  return Math.floor(timeMs / 30_000);
}

/** The 6-digit code of `secret` (base32) for a step (default: now). */
export function totpCode(secret, step = totpStep()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const hmac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = hmac[hmac.length - 1] & 0x0f;
  const binary = hmac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

/**
 * A code of a step after `usedStep` (servers refuse a code twice): waits for
 * the next 30-second step only when the current one was used already.
 * Returns { code, step }.
 */
export async function freshTotp(secret, usedStep = -1) {
  while (totpStep() <= usedStep) {
    await sleep(30_000 - (Date.now() % 30_000) + 50);
  }
  const step = totpStep();
  return { code: totpCode(secret, step), step };
}

// ---------------------------------------------------------------------------
// The API from Node, for setting up data (not what the tests prove).

/**
 * Sign in over HTTP as a browser would (Origin header, session cookie, CSRF
 * token) and return `{ me, request(method, path, body) }`; `request` answers
 * `{ status, body }`.
 */
export async function apiSignIn(baseUrl, { email = ADMIN_EMAIL, password = ADMIN_PASSWORD } = {}) {
  const cookies = new Map();
  let csrf = null;
  const request = async (method, path, body) => {
    const headers = { Accept: 'application/json', Origin: baseUrl };
    if (cookies.size > 0) headers.Cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (csrf && method !== 'GET') headers['X-CSRF-Token'] = csrf;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const text = await res.text();
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    if (parsed && typeof parsed === 'object' && typeof parsed.csrf_token === 'string') csrf = parsed.csrf_token;
    return { status: res.status, body: parsed };
  };
  const login = await request('POST', '/api/v1/auth/login', { email, password });
  if (login.status !== 200) throw new Error(`API sign-in of ${email} → ${login.status} ${JSON.stringify(login.body)}`);
  return { me: login.body, request };
}

// A test directory (TOM ACC-7): the same `tests/ldap/slapd.sh` the Rust fixtures start.

/** Whether something listens on a loopback port. */
function listening(port) {
  return new Promise((resolveOpen) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolveOpen(true);
    });
    socket.once('error', () => resolveOpen(false));
  });
}

/**
 * Starts slapd on two free loopback ports (LDAPS, and plain with StartTLS) with a test CA
 * (`caPem`), base `dc=schule,dc=example`, service account `cn=anwesend,…` ("service
 * password"). `add(ldif)` adds entries as the root; `stop()` ends slapd by its pid.
 */
export async function startSlapd() {
  const dir = mkdtempSync(join(tmpdir(), 'anwesend-slapd-'));
  const [ldapsPort, ldapPort] = [await freePort(), await freePort()];
  const child = spawn(join(PROJECT_ROOT, 'tests', 'ldap', 'slapd.sh'), [dir, String(ldapsPort), String(ldapPort)], { stdio: 'ignore' });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  await waitFor(
    async () => {
      if (exited) throw new Error('tests/ldap/slapd.sh stopped (slapd from deploy/dev/system.sh?)');
      return listening(ldapPort);
    },
    { message: 'slapd listens' },
  );
  return {
    ldapsPort,
    ldapPort,
    base: 'dc=schule,dc=example',
    serviceDn: 'cn=anwesend,dc=schule,dc=example',
    servicePassword: 'service password',
    caPem: readFileSync(join(dir, 'test-ca.pem'), 'utf8'),
    add(ldif) {
      const out = spawnSync(
        'ldapadd',
        ['-x', '-H', `ldap://127.0.0.1:${ldapPort}`, '-D', 'cn=admin,dc=schule,dc=example', '-w', 'admin-password'],
        { input: ldif, encoding: 'utf8' },
      );
      if (out.status !== 0) throw new Error(`ldapadd: ${out.stderr}`);
    },
    stop() {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
