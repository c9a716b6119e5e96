// Shared helpers for the browser tests: start/stop the anwesend server as a
// child process and launch Debian's Chromium through playwright-core.
//
// Not a test file itself (node --test only runs *.test.mjs here).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
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
  constructor({ port, dataDir }) {
    this.port = port;
    this.dataDir = dataDir;
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.child = null;
    this.exited = null;
    this.logs = new LogTail();
  }

  static async create() {
    checkPrerequisites();
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'anwesend-browser-'));
    const server = new AnwesendServer({ port, dataDir });
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
        const res = await fetch(`${this.baseUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
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
export function browserSuite({ tenantAdmin = false, workDirPrefix = null } = {}) {
  const suite = {
    /** @type {AnwesendServer | undefined} */
    server: undefined,
    /** @type {import('playwright-core').Browser | undefined} */
    browser: undefined,
    /** @type {string | undefined} */
    workDir: undefined,
  };

  before(async () => {
    suite.server = await AnwesendServer.create();
    if (tenantAdmin) suite.server.createTenantAdmin();
    suite.browser = await launchBrowser();
    if (workDirPrefix) suite.workDir = mkdtempSync(join(tmpdir(), workDirPrefix));
  });

  after(async () => {
    await suite.browser?.close().catch(() => {});
    await suite.server?.dispose();
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
export async function openPage(browser, { locale = 'de-DE' } = {}) {
  const context = await browser.newContext({ locale, serviceWorkers: 'block' });
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
export async function waitFor(fn, { timeoutMs = 15_000, intervalMs = 100, message = 'condition' } = {}) {
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
export async function signIn(page, baseUrl, credentials = {}) {
  await page.goto(`${baseUrl}/#/login`);
  await page.getByRole('heading', { level: 1, name: 'Anmelden' }).waitFor();
  await submitLogin(page, credentials);
  await page.getByTestId('sign-out').waitFor();
}
