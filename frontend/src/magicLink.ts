/**
 * The participants' magic link (docs/events-api.md, TOM TRANS-3).
 *
 * The mail links to `#/p/{slug}/login?token=…` (sign-in) or
 * `#/p/{slug}/confirm?token=…` (booking confirmation): the token lives in the URL
 * fragment, which never reaches a server log. This module takes it out of the
 * address bar with `history.replaceState` before anything else happens: it
 * imports nothing and is the first import of `main.tsx`, so it runs before the
 * app's other modules, before React renders and before anything is fetched. The
 * token stays in this module's memory until the login page redeems it (once,
 * `participant.ts`).
 */

const LINK_ROUTE = /^#?\/p\/([^/?#]+)\/(login|confirm)\/?\?(.*)$/;

/** A sign-in link (`login`) or a booking confirmation link (`confirm`, same handling). */
export type LinkKind = 'login' | 'confirm';

let captured: { slug: string; kind: LinkKind; token: string } | null = null;
const listeners = new Set<() => void>();

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * If the address is a link (`#/p/{slug}/login?token=…` or `…/confirm?token=…`),
 * replace it by `#/p/{slug}/login` (or `…/confirm`) (no history entry, so Back does not bring the token
 * back) and keep the token in memory. Safe to call more than once.
 */
export function captureMagicLinkToken(): void {
  const match = LINK_ROUTE.exec(window.location.hash);
  if (!match) return;
  const [, rawSlug = '', rawKind = 'login', search = ''] = match;
  const kind: LinkKind = rawKind === 'confirm' ? 'confirm' : 'login';
  const params = new URLSearchParams(search);
  if (!params.has('token')) return;
  const token = params.get('token') ?? '';
  params.delete('token');
  const url = new URL(window.location.href);
  const rest = params.toString();
  url.hash = `#/p/${rawSlug}/${kind}${rest ? `?${rest}` : ''}`;
  window.history.replaceState(window.history.state, '', url);
  const slug = decode(rawSlug);
  if (slug && token) {
    captured = { slug, kind, token };
    for (const listener of [...listeners]) listener();
  }
}

// At start …
captureMagicLinkToken();
// … and when a link is opened in a tab that already runs the app. Registered
// before the router's listener, so no page ever sees the token in the address.
window.addEventListener('hashchange', captureMagicLinkToken);

/** True if a link token of `slug` (of `kind`) waits to be redeemed. */
export function hasCapturedToken(slug: string, kind: LinkKind = 'login'): boolean {
  return captured?.slug === slug && captured.kind === kind;
}

/** The link token of `slug` (of `kind`), handed out once (then forgotten here). */
export function takeCapturedToken(slug: string, kind: LinkKind = 'login'): string | null {
  if (captured?.slug !== slug || captured.kind !== kind) return null;
  const { token } = captured;
  captured = null;
  return token;
}

/** Called whenever a link token is captured (e.g. a link opened in a tab already on the login page). */
export function onTokenCaptured(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}
