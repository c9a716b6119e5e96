import { redeemMagicLink, type ParticipantSession } from './api/public';
import { parseUtc } from './format';
import { hasCapturedToken, onTokenCaptured, takeCapturedToken } from './magicLink';
import { sessionGet, sessionRemove, sessionSet } from './session';

/**
 * The participant session (docs/events-api.md, TOM PRIV-2): the magic link's
 * one-time token (taken out of the address bar by `magicLink.ts`) is redeemed
 * once for a Bearer token, which is kept in sessionStorage only, through
 * `session.ts`: never localStorage, never a cookie. It is gone when the tab
 * closes, and `clearClientState()` wipes it.
 */

let redeeming: { slug: string; promise: Promise<ParticipantSession> } | null = null;

export { onTokenCaptured };

/** True while a captured link token of `slug` waits to be (or is being) redeemed. */
export function hasMagicLinkToken(slug: string): boolean {
  return hasCapturedToken(slug) || redeeming?.slug === slug;
}

/**
 * Redeem the captured token of `slug` once: the answer's session is stored
 * (sessionStorage) before the promise resolves. A second call while the first
 * is running gets the same promise (React may run an effect twice); without a
 * captured token it returns null.
 */
export function redeemCapturedToken(slug: string): Promise<ParticipantSession> | null {
  if (redeeming?.slug === slug) return redeeming.promise;
  const token = takeCapturedToken(slug);
  if (!token) return null;
  const promise = redeemMagicLink(slug, token).then((session) => {
    saveParticipantSession(slug, session);
    return session;
  });
  const entry = { slug, promise };
  redeeming = entry;
  const done = () => {
    if (redeeming === entry) redeeming = null;
  };
  promise.then(done, done);
  return promise;
}

// ---------------------------------------------------------------------------
// The participant session (Bearer token), per tenant, in sessionStorage only.

interface StoredSession {
  token: string;
  expires_at: string;
}

const storageKey = (slug: string) => `portal.${slug}`;

export function saveParticipantSession(slug: string, session: ParticipantSession): void {
  const stored: StoredSession = { token: session.token, expires_at: session.expires_at };
  sessionSet(storageKey(slug), JSON.stringify(stored));
}

/** The participant token of `slug`, unless missing or expired. */
export function participantToken(slug: string): string | null {
  const raw = sessionGet(storageKey(slug));
  if (!raw) return null;
  try {
    const stored = JSON.parse(raw) as Partial<StoredSession>;
    if (typeof stored.token !== 'string' || !stored.token) return null;
    const expires = typeof stored.expires_at === 'string' ? parseUtc(stored.expires_at) : null;
    if (expires && expires.getTime() <= Date.now()) {
      sessionRemove(storageKey(slug));
      return null;
    }
    return stored.token;
  } catch {
    sessionRemove(storageKey(slug));
    return null;
  }
}

export function forgetParticipantSession(slug: string): void {
  sessionRemove(storageKey(slug));
}
