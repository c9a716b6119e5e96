// API conformance run: schemathesis generates requests from the server's own OpenAPI document
// and checks every answer against it (status listed, content type, headers, body schema, no
// 5xx, schema-invalid input refused). Against a real server (SQLite, dev, demo tenant) with data
// in it, signed in as the tenant's admin. Exits non-zero on any failure.
//
//   node tests/conformance/run.mjs        (make test-conformance; needs deploy/dev/conformance.sh)
//
// Environment: ANWESEND_BIN (server binary), SCHEMATHESIS (default target/conformance-venv/bin/schemathesis),
// CONFORMANCE_EXAMPLES (test cases per operation, default 100: about 8,500 requests in 3 minutes), CONFORMANCE_SEED.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_EMAIL, ADMIN_PASSWORD, AnwesendServer, PROJECT_ROOT, TENANT } from '../browser/harness.mjs';

const schemathesis = process.env.SCHEMATHESIS || join(PROJECT_ROOT, process.env.CARGO_TARGET_DIR || 'target', 'conformance-venv', 'bin', 'schemathesis');
if (!existsSync(schemathesis)) {
  console.error(`schemathesis not found at ${schemathesis}: run deploy/dev/conformance.sh`);
  process.exit(2);
}

// Operations that would end or replace the run's own session or tenant, so every later request
// would test only the 401 path: sign-out, switching tenant, changing the password, ending the
// tenant's contract. Their bad-input handling is covered by the Rust tests.
// Requiring a second factor for admins (tenant security settings) and ending all sessions of a
// member (the run's own account, reached through the members list) would lock the run out the
// same way.
const EXCLUDED_OPERATIONS = [
  'logout',
  'tenant_switch',
  'password_change',
  'tenant_offboarding_start',
  'tenant_security_set',
  'member_sessions_end_all',
];

/** Signs in like the web UI and returns the headers every request of the run carries. */
async function signIn(baseUrl) {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', Origin: baseUrl },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  });
  const body = await res.json();
  if (res.status !== 200 || body.stage !== 'full') throw new Error(`sign-in → ${res.status} ${JSON.stringify(body)}`);
  const cookie = res.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .join('; ');
  return { Cookie: cookie, 'X-CSRF-Token': body.csrf_token, Origin: baseUrl };
}

/** Data for the run to find: a location, a published course with a booking, an invitation, a device code. */
async function seed(baseUrl, headers) {
  const call = async (method, path, body) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...headers, Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const location = await call('POST', '/api/v1/locations', { name: 'Halle 1' });
  const event = await call('POST', '/api/v1/events', {
    kind: 'course',
    title: 'Konformität',
    description: 'Kurs für den Konformitätslauf',
    capacity: 20,
    waiting_list: true,
    location_id: location.id,
    fields: ['phone'],
    sessions: [{ starts_at: '2030-09-01T17:00', ends_at: '2030-09-01T18:00' }],
  });
  await call('POST', `/api/v1/events/${event.id}/publish`);
  const booking = await fetch(`${baseUrl}/api/v1/public/${TENANT}/events/${event.id}/bookings`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', Origin: baseUrl },
    body: JSON.stringify({ name: 'Erika Mustermann', email: 'erika@example.org', consent: true, language: 'de' }),
  });
  if (booking.status >= 300) throw new Error(`public booking → ${booking.status} ${await booking.text()}`);
  await call('POST', '/api/v1/invitations', { email: 'neu@example.org', role: 'organiser', language: 'de' });
  await call('POST', '/api/v1/devices/enrolment-codes', { name: 'Eingang', location_id: location.id });
}

function run(command, args) {
  return new Promise((resolveRun) => {
    const child = spawn(command, args, { stdio: 'inherit', cwd: PROJECT_ROOT });
    child.once('exit', (code, signal) => resolveRun(code ?? (signal ? 1 : 0)));
  });
}

const server = await AnwesendServer.create();
let status = 1;
try {
  server.createTenantAdmin();
  const headers = await signIn(server.baseUrl);
  await seed(server.baseUrl, headers);
  const args = [
    '--config-file',
    join(PROJECT_ROOT, 'tests', 'conformance', 'schemathesis.toml'),
    'run',
    `${server.baseUrl}/api/v1/openapi.json`,
    '--checks',
    'all',
    '--max-examples',
    process.env.CONFORMANCE_EXAMPLES || '100',
    '--seed',
    process.env.CONFORMANCE_SEED || '20261203',
    '--workers',
    '2',
    '--request-timeout',
    '30',
    '--suppress-health-check',
    'too_slow',
    '--no-color',
    ...EXCLUDED_OPERATIONS.flatMap((id) => ['--exclude-operation-id', id]),
    // More arguments for a local investigation, e.g. `--include-operation-id kiosk_stream`.
    ...(process.env.CONFORMANCE_ARGS ? process.env.CONFORMANCE_ARGS.split(' ') : []),
    ...Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
  ];
  status = await run(schemathesis, args);
  if (status !== 0) console.error(`\nserver log (last lines):\n${server.logs}`);
} finally {
  await server.dispose();
}
process.exit(status);
