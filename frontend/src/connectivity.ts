import { useSyncExternalStore } from 'react';

/**
 * TOM AVAIL-4: connectivity to the backend as seen by the client.
 *
 * `unknown` until the first answer, then `online` or `offline`. It is fed by
 * the API client middleware (every request counts) and by the browser's
 * online/offline events.
 */
export type Connectivity = 'unknown' | 'online' | 'offline';

let state: Connectivity = 'unknown';
const listeners = new Set<() => void>();

function set(next: Connectivity): void {
  if (state === next) return;
  state = next;
  for (const listener of [...listeners]) listener();
}

export function reportReachable(): void {
  set('online');
}

export function reportUnreachable(): void {
  set('offline');
}

export function getConnectivity(): Connectivity {
  return state;
}

export function subscribeConnectivity(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export function useConnectivity(): Connectivity {
  return useSyncExternalStore(subscribeConnectivity, getConnectivity, getConnectivity);
}
