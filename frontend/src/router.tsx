import { useSyncExternalStore, type AnchorHTMLAttributes } from 'react';

/**
 * Tiny hash router. Routes live in the URL fragment (`/#/login?token=…`):
 * the fragment is never sent to the server and never appears in server or
 * proxy logs, so one-time tokens such as magic-link tokens stay in the
 * browser.
 */
export interface HashLocation {
  /** Path part of the fragment, always starting with "/" (e.g. "/login"). */
  path: string;
  /** Query part of the fragment (e.g. token=… in "#/login?token=…"). */
  query: URLSearchParams;
}

function currentHash(): string {
  return window.location.hash;
}

function subscribe(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

export function parseHash(hash: string): HashLocation {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  const q = raw.indexOf('?');
  let path = q === -1 ? raw : raw.slice(0, q);
  const search = q === -1 ? '' : raw.slice(q + 1);
  if (!path.startsWith('/')) path = `/${path}`;
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  return { path, query: new URLSearchParams(search) };
}

/** Current hash location; re-renders on `hashchange`. */
export function useHashLocation(): HashLocation {
  const hash = useSyncExternalStore(subscribe, currentHash, currentHash);
  return parseHash(hash);
}

/** Build an href for a route: href('/login', { token }) → "#/login?token=…". */
export function href(path: string, query?: Readonly<Record<string, string>>): string {
  const search = query ? new URLSearchParams(query).toString() : '';
  return `#${path}${search ? `?${search}` : ''}`;
}

/** Navigate to a route. `replace` avoids a history entry (e.g. to drop a token from the URL). */
export function navigate(path: string, options?: { query?: Readonly<Record<string, string>>; replace?: boolean }): void {
  const target = href(path, options?.query);
  if (options?.replace) {
    const url = new URL(window.location.href);
    url.hash = target;
    window.history.replaceState(window.history.state, '', url);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    window.location.hash = target;
  }
}

export interface LinkProps extends Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> {
  to: string;
  /** Also current on the routes below `to` (e.g. `/events/{id}` for `/events`). */
  section?: boolean;
}

/** Anchor to a hash route. Marks the current route with aria-current="page". */
export function Link({ to, section = false, ...rest }: LinkProps) {
  const { path } = useHashLocation();
  const target = parseHash(to).path;
  const current = target === path || (section && path.startsWith(`${target}/`));
  return <a href={`#${to}`} aria-current={current ? 'page' : undefined} {...rest} />;
}
