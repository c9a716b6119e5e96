import { useSyncExternalStore } from 'react';
import { api, apiError, ApiError, isAbort, requestSignal, setCsrfToken } from './api/client';
import type { components } from './api/schema';
import { subscribeConnectivity, getConnectivity } from './connectivity';
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

/** Answer of `GET /api/v1/auth/me` and `POST /api/v1/auth/login`. */
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

let snapshot: AuthState = CHECKING;
const listeners = new Set<() => void>();

function publish(next: AuthState): void {
  snapshot = next;
  for (const listener of [...listeners]) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

function getSnapshot(): AuthState {
  return snapshot;
}

export function useAuth(): AuthState {
  return useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
}

export function getAuth(): AuthState {
  return snapshot;
}

function keep(me: Me): Account {
  const { csrf_token: csrfToken, ...account } = me;
  setCsrfToken(csrfToken);
  memorySet(ACCOUNT_KEY, account);
  publish({ status: 'signed-in', account });
  return account;
}

function forget(): void {
  memoryRemove(ACCOUNT_KEY);
  setCsrfToken(null);
  publish(SIGNED_OUT);
}

// clearClientState() empties memory; the UI must follow.
onClientStateCleared(() => {
  if (snapshot.status !== 'signed-out') publish(SIGNED_OUT);
});

/** True if the account may read its tenant's audit log in full. */
export function isAdmin(account: Account): boolean {
  return account.is_platform_admin || account.roles.includes('tenant_admin');
}

/**
 * True if the account's role may open the audit view (the server decides
 * what it then sees: tenant admin the whole chain, company admin its
 * companies, platform admin the platform chain).
 */
export function canReadAudit(account: Account): boolean {
  return isAdmin(account) || account.roles.includes('company_admin');
}

/**
 * True if the account may open the deletion log (TOM PRIV-4, DEL-3): the
 * server grants it to tenant admins only.
 */
export function canReadDeletionLog(account: Account): boolean {
  return account.roles.includes('tenant_admin');
}

/** Where to go after signing in when no page was asked for. */
export function homeFor(account: Account): string {
  return isAdmin(account) ? '/audit' : '/';
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
      const { data, error, response } = await api.GET('/api/v1/auth/me', {
        signal: requestSignal(),
        cache: 'no-store',
      });
      if (data) {
        keep(data);
      } else if (response.status === 401 || response.status === 403) {
        forget();
      } else {
        throw apiError(response, error);
      }
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
    if (snapshot.status === 'checking') void restoreSession();
  };
  // Wait for the next transition to "online" (or retry shortly if we already are).
  unsubscribe = subscribeConnectivity(attempt);
  if (getConnectivity() === 'online') {
    setTimeout(attempt, 3000);
  }
}

/** Sign in with email and password. Throws ApiError (401 invalid_credentials, 429 rate_limited …). */
export async function signIn(email: string, password: string): Promise<Account> {
  const { data, error, response } = await api.POST('/api/v1/auth/login', {
    body: { email, password },
    signal: requestSignal(),
    cache: 'no-store',
  });
  if (data) {
    // A new account (or tenant) must not see what the last one left behind.
    const previous = memoryGet<Account>(ACCOUNT_KEY);
    if (previous && (previous.account_id !== data.account_id || previous.tenant?.id !== data.tenant?.id)) {
      clearClientState();
    }
    return keep(data);
  }
  throw apiError(response, error);
}

/**
 * Sign out: end the server session, go to the sign-in page and wipe all
 * client state (TOM SEP-6). The local wipe happens even if the server cannot
 * be reached. Navigation and wipe happen in one tick, so no protected page
 * renders in between (and none remembers itself as `next`).
 */
export async function signOut(): Promise<void> {
  try {
    const { response } = await api.POST('/api/v1/auth/logout', {
      signal: requestSignal(),
      cache: 'no-store',
    });
    // 204; 401 means the session was already gone.
    if (!response.ok && response.status !== 401) {
      console.warn(`sign-out answered HTTP ${response.status}`);
    }
  } catch (err) {
    if (!isAbort(err)) console.warn('sign-out request failed', err);
  } finally {
    navigate('/login', { replace: true });
    clearClientState();
    forget();
  }
}

/**
 * Call when an API request answers 401: the session ended on the server
 * (expired, signed out elsewhere). Drops the in-memory account so protected
 * pages send the user to the sign-in page.
 */
export function sessionEnded(): void {
  if (snapshot.status !== 'signed-out') forget();
}

/** Map an error of an authenticated request: 401 ends the local session. */
export function handleAuthError(error: unknown): void {
  if (error instanceof ApiError && error.status === 401) sessionEnded();
}
