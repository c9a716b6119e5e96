/**
 * Client-side session state.
 *
 * TOM PRIV-2: the browser keeps no persistent identifiers. Client state lives
 * only in memory (this module) or in sessionStorage (scoped to one tab and
 * discarded when it closes). This module is the single place that touches
 * browser storage: never use localStorage, IndexedDB or `document.cookie`
 * from JavaScript. Authentication cookies, once there are any, are set by the
 * server (HttpOnly), never by the frontend.
 *
 * TOM SEP-6: `clearClientState()` wipes everything the client holds — all of
 * sessionStorage and all in-memory state — so nothing of one user or tenant
 * survives a sign-out or a tenant switch. Every module that caches data must
 * keep it here or register a listener with `onClientStateCleared`.
 */

const KEY_PREFIX = 'anwesend.';

const memory = new Map<string, unknown>();
const clearListeners = new Set<() => void>();

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    // Storage can be disabled by the browser; then we keep memory only.
    return null;
  }
}

/** Read a value from sessionStorage (tab-scoped). */
export function sessionGet(key: string): string | null {
  try {
    return storage()?.getItem(KEY_PREFIX + key) ?? null;
  } catch {
    return null;
  }
}

/** Write a value to sessionStorage (tab-scoped); never localStorage. */
export function sessionSet(key: string, value: string): void {
  try {
    storage()?.setItem(KEY_PREFIX + key, value);
  } catch {
    // Quota exceeded or storage disabled: the value simply is not kept.
  }
}

/** Remove a single value from sessionStorage. */
export function sessionRemove(key: string): void {
  try {
    storage()?.removeItem(KEY_PREFIX + key);
  } catch {
    // ignore
  }
}

/** Read in-memory state (gone on reload). */
export function memoryGet<T>(key: string): T | undefined {
  return memory.get(key) as T | undefined;
}

/** Keep state in memory only (gone on reload). */
export function memorySet<T>(key: string, value: T): void {
  memory.set(key, value);
}

/** Drop one in-memory value. */
export function memoryRemove(key: string): void {
  memory.delete(key);
}

/**
 * Register a callback run after `clearClientState()`, e.g. to reset React
 * state or module-level caches. Returns an unsubscribe function.
 */
export function onClientStateCleared(listener: () => void): () => void {
  clearListeners.add(listener);
  return () => {
    clearListeners.delete(listener);
  };
}

/**
 * TOM SEP-6: wipe all client-side state — sessionStorage and in-memory state —
 * and notify listeners. Call on sign-out and on every tenant switch.
 */
export function clearClientState(): void {
  try {
    storage()?.clear();
  } catch {
    // ignore
  }
  memory.clear();
  for (const listener of [...clearListeners]) {
    try {
      listener();
    } catch (err) {
      console.error('clearClientState listener failed', err);
    }
  }
}
