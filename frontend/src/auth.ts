import { api, ApiError, isAbort, requestSignal, setCsrfToken, SLOW_REQUEST_TIMEOUT_MS, unwrap } from './api/client';
import type { components } from './api/schema';
import { subscribeConnectivity, getConnectivity } from './connectivity';
import { passkeySecondFactor, passkeySignIn } from './api/passkeys';
import { memoryStore } from './memoryStore';
import { navigate } from './router';
import { clearClientState, memoryGet, memoryRemove, memorySet, onClientStateCleared } from './session';

/**
 * Staff sign-in state.
 *
 * The session itself is an HttpOnly cookie set by the server; JavaScript never
 * sees it. What the client keeps — the signed-in account (`Me`) and the CSRF
 * token — lives in memory only, through `session.ts` (TOM PRIV-2), so a reload
 * asks `GET /api/v1/auth/me` again and a sign-out wipes it with
 * `clearClientState()` (TOM SEP-6).
 */

/**
 * How far a sign-in got (docs/staff-api.md): `full` signed in; `mfa` the
 * password was right and the second factor is still missing; `enrol` the
 * tenant requires a second factor for an admin role and the account must set
 * one up before anything else.
 */
export type SignInStage = components['schemas']['Stage'];

/** A tenant the account works in (the header's tenant switcher lists them). */
export type TenantMembership = components['schemas']['TenantMembership'];

/** Answer of `GET /api/v1/auth/me`, `POST /api/v1/auth/login` and the other sign-in steps. */
export type Me = components['schemas']['Me'];

/** The signed-in account as kept in memory: `Me` without the CSRF token. */
export type Account = Omit<Me, 'csrf_token'>;

export type AuthState =
  | { readonly status: 'checking' }
  | { readonly status: 'signed-out' }
  | { readonly status: 'signed-in'; readonly account: Account };

const ACCOUNT_KEY = 'auth.account';

const CHECKING: AuthState = { status: 'checking' };
const SIGNED_OUT: AuthState = { status: 'signed-out' };

const store = memoryStore<AuthState>(CHECKING);
const publish = store.set;

export const useAuth = store.useValue;

export const getAuth = store.get;

function keep(me: Me): Account {
  const { csrf_token: csrfToken, ...account } = me;
  // Every step of the sign-in (login, second factor, enrolment, tenant switch)
  // starts a new session with a new CSRF token.
  setCsrfToken(csrfToken);
  memorySet(ACCOUNT_KEY, account);
  publish({ status: 'signed-in', account });
  return account;
}

/**
 * Take over a `Me` the server answered to another request (e.g. the confirmed
 * TOTP enrolment, which ends the `enrol` stage with a new session).
 */
export function applyMe(me: Me): Account {
  return keep(me);
}

function withStage(stage: SignInStage): void {
  const current = store.get();
  if (current.status !== 'signed-in' || current.account.stage === stage) return;
  const account = { ...current.account, stage };
  memorySet(ACCOUNT_KEY, account);
  publish({ status: 'signed-in', account });
}

function forget(): void {
  memoryRemove(ACCOUNT_KEY);
  setCsrfToken(null);
  publish(SIGNED_OUT);
}

// clearClientState() empties memory; the UI must follow.
onClientStateCleared(() => {
  if (store.get().status !== 'signed-out') publish(SIGNED_OUT);
});

/** What the server lets the signed-in account do (`Me.permissions`), e.g. `members.read`. */
export type Permission = components['schemas']['Permission'];

/**
 * True if the server grants the account `permission` (the list `/auth/me`
 * answers; the server decides it from the roles and checks every request
 * again). Pages and navigation show only what the account may use.
 */
export function can(account: Account, permission: Permission): boolean {
  return account.permissions.includes(permission);
}

/** True once the sign-in is complete (no second factor or enrolment pending). */
export function isFullySignedIn(account: Account): boolean {
  return account.stage === 'full';
}

/** Where to go after signing in when no page was asked for. */
export function homeFor(account: Account): string {
  if (account.stage === 'enrol') return '/account';
  if (account.stage === 'mfa') return '/login';
  // Everyone starts at their start page; the audit log is one click away from there.
  return '/';
}

let restoring: Promise<void> | null = null;

/**
 * Ask the server whether the session cookie (which survives a reload, unlike
 * memory) still belongs to a signed-in account. Called once at start; when the
 * server is unreachable it retries as soon as it answers again.
 */
export function restoreSession(): Promise<void> {
  if (restoring) return restoring;
  restoring = (async () => {
    try {
      await refreshSession();
    } catch {
      // Network error, time-out or 5xx: we do not know yet. Try again once the
      // server answers (the status poll reports connectivity every few seconds).
      retryWhenOnline();
    } finally {
      restoring = null;
    }
  })();
  return restoring;
}

function retryWhenOnline(): void {
  let unsubscribe: (() => void) | null = null;
  const attempt = () => {
    if (getConnectivity() !== 'online') return;
    unsubscribe?.();
    if (store.get().status === 'checking') void restoreSession();
  };
  // Wait for the next transition to "online" (or retry shortly if we already are).
  unsubscribe = subscribeConnectivity(attempt);
  if (getConnectivity() === 'online') {
    setTimeout(attempt, 3000);
  }
}

/** Sign in with email and password. Throws ApiError (401 invalid_credentials, 429 rate_limited …). */
export async function signIn(email: string, password: string): Promise<Account> {
  const data = unwrap(await api.POST('/api/v1/auth/login', {
    body: { email, password },
    signal: requestSignal(),
    cache: 'no-store',
  }));
  return adopt(data);
}

/**
 * Sign in with the directory user name and password at the tenant's LDAP /
 * Active Directory provider (TOM ACC-7). Throws ApiError like `signIn`
 * (424 sso_unavailable when the directory does not answer).
 */
export async function signInWithDirectory(tenant: string, provider: string, username: string, password: string): Promise<Account> {
  const data = unwrap(await api.POST('/api/v1/public/{tenant}/sso/{provider}/ldap', {
    params: { path: { tenant, provider } },
    body: { username, password },
    signal: requestSignal(undefined, SLOW_REQUEST_TIMEOUT_MS),
    cache: 'no-store',
  }));
  return adopt(data);
}

/** Keeps a new sign-in; a new account (or tenant) must not see what the last one left behind. */
function adopt(data: Me): Account {
  const previous = memoryGet<Account>(ACCOUNT_KEY);
  if (previous && (previous.account_id !== data.account_id || previous.tenant?.id !== data.tenant?.id)) {
    clearClientState();
  }
  return keep(data);
}

/**
 * The second sign-in step: a 6-digit TOTP code or a recovery code. The server
 * answers `Me` with `stage: "full"` and a new session (and CSRF token).
 * Throws ApiError (401 invalid_code, 429 rate_limited …).
 */
export async function submitSecondFactor(code: string): Promise<Account> {
  return keep(unwrap(await api.POST('/api/v1/auth/mfa', {
    body: { code },
    signal: requestSignal(),
    cache: 'no-store',
  })));
}

/** The second sign-in step with a passkey instead of a code (TOM ACC-6). */
export async function submitPasskeySecondFactor(): Promise<Account> {
  return keep(await passkeySecondFactor());
}

/**
 * Sign in with a passkey alone, where the tenant allows it: the browser offers the
 * passkeys it has for this site. Throws ApiError (401 passkey_refused, 409
 * passkey_sign_in_off) or the browser's DOMException when the dialog is closed.
 */
export async function signInWithPasskey(options: { conditional?: boolean; signal?: AbortSignal | undefined } = {}): Promise<Account> {
  return adopt(await passkeySignIn(options));
}

/** Ask the server again who is signed in (e.g. after the second factor was switched off). */
export async function refreshSession(): Promise<void> {
  const result = await api.GET('/api/v1/auth/me', {
    signal: requestSignal(),
    cache: 'no-store',
  });
  if (result.response.status === 401 || result.response.status === 403) forget();
  else keep(unwrap(result));
}

/**
 * Switch to another tenant of the account (TOM SEP-6): the server ends this
 * session and starts one in the other tenant; the client then wipes
 * sessionStorage and memory and reloads at the start page, so no data of the
 * previous tenant survives in the tab. Throws ApiError (404: not a tenant of
 * this account); nothing changes then.
 */
export async function switchTenant(tenantId: string): Promise<void> {
  let data;
  try {
    data = unwrap(await api.POST('/api/v1/auth/switch-tenant', {
      body: { tenant_id: tenantId },
      signal: requestSignal(),
      cache: 'no-store',
    }));
  } catch (err) {
    handleAuthError(err);
    throw err;
  }
  // First to the start page, which needs no session: no protected page reacts
  // to the wipe (e.g. by going to the sign-in page) before the reload.
  navigate('/', { replace: true });
  clearClientState();
  // The new session's token, until the reloaded page asks /auth/me again.
  setCsrfToken(data.csrf_token);
  // A fresh page: nothing of the previous tenant stays in JavaScript memory.
  window.location.reload();
}

/**
 * Sign out: end the server session, go to the sign-in page and wipe all
 * client state (TOM SEP-6). The local wipe happens even if the server cannot
 * be reached. Navigation and wipe happen in one tick, so no protected page
 * renders in between (and none remembers itself as `next`).
 */
export async function signOut(): Promise<void> {
  // A session begun at an OpenID provider with RP-initiated logout: the browser goes on
  // to the provider to end its session too, and comes back to the start page (TOM ACC-7).
  let providerLogout: string | null = null;
  try {
    const { data, response } = await api.POST('/api/v1/auth/logout', {
      signal: requestSignal(),
      cache: 'no-store',
    });
    // 204, or 200 with the provider's URL; 401 means the session was already gone.
    if (response.status === 200 && data && typeof data.provider_logout_url === 'string') {
      const url = new URL(data.provider_logout_url);
      if (url.protocol === 'https:' || url.protocol === 'http:') providerLogout = url.href;
    } else if (!response.ok && response.status !== 401) {
      console.warn(`sign-out answered HTTP ${response.status}`);
    }
  } catch (err) {
    if (!isAbort(err)) console.warn('sign-out request failed', err);
  } finally {
    navigate('/login', { replace: true });
    clearClientState();
    forget();
    if (providerLogout) window.location.assign(providerLogout);
  }
}

/**
 * Call when an API request answers 401: the session ended on the server
 * (expired, signed out elsewhere). Drops the in-memory account so protected
 * pages send the user to the sign-in page.
 */
export function sessionEnded(): void {
  if (store.get().status !== 'signed-out') forget();
}

/** 401 codes that are an answer to the request, not the end of the session. */
const NOT_SIGNED_OUT = new Set(['invalid_credentials', 'invalid_code']);

/**
 * Map an error of an authenticated request: a 401 ends the local session,
 * except when the server asks for the second factor (`mfa_required`) or for
 * the enrolment the tenant requires (`mfa_enrolment_required`): then the
 * account goes back to that step. A wrong password or code (on the requests
 * that ask for one) ends nothing.
 */
export function handleAuthError(error: unknown): void {
  if (!(error instanceof ApiError) || error.status !== 401) return;
  if (error.code === 'mfa_required') withStage('mfa');
  else if (error.code === 'mfa_enrolment_required') withStage('enrol');
  else if (!error.code || !NOT_SIGNED_OUT.has(error.code)) sessionEnded();
}
