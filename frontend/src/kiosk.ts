import { useSyncExternalStore } from 'react';
import { kioskStreamUrl, parseKioskTap, type KioskTap } from './api/attendance';
import { onClientStateCleared, sessionGet, sessionRemove, sessionSet } from './session';

/**
 * Kiosk mode: the tab shows only the kiosk screen (no header, no navigation)
 * until someone ends it explicitly. The choice lives in sessionStorage
 * (through `session.ts`, TOM PRIV-2), so a reload of the kiosk tab stays in
 * kiosk mode; signing out (`clearClientState()`) ends it.
 */
export interface KioskMode {
  /** Only taps of devices at this location; null: every location of the tenant. */
  locationId: string | null;
  /** Shown on the screen. */
  locationName: string | null;
}

const STORAGE_KEY = 'kiosk';

function read(): KioskMode | null {
  const raw = sessionGet(STORAGE_KEY);
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw);
    if (!value || typeof value !== 'object') return null;
    const v = value as Record<string, unknown>;
    return {
      locationId: typeof v.locationId === 'string' ? v.locationId : null,
      locationName: typeof v.locationName === 'string' ? v.locationName : null,
    };
  } catch {
    return null;
  }
}

let mode: KioskMode | null = read();
const listeners = new Set<() => void>();

function publish(next: KioskMode | null): void {
  mode = next;
  for (const listener of [...listeners]) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

function getMode(): KioskMode | null {
  return mode;
}

onClientStateCleared(() => publish(null));

/** The current kiosk mode, or null; re-renders when it starts or ends. */
export function useKioskMode(): KioskMode | null {
  return useSyncExternalStore(subscribe, getMode, getMode);
}

export function startKiosk(next: KioskMode): void {
  sessionSet(STORAGE_KEY, JSON.stringify(next));
  publish(next);
}

export function stopKiosk(): void {
  sessionRemove(STORAGE_KEY);
  publish(null);
}

/** `connecting` before the first answer, `open` while the stream is up, `reconnecting` after it broke. */
export type KioskConnection = 'connecting' | 'open' | 'reconnecting';

export interface KioskStreamHandlers {
  onTap: (tap: KioskTap) => void;
  onState: (state: KioskConnection) => void;
  /**
   * `event: resync`: taps may have been missed (the server's listener reconnected to
   * the database, or this stream fell behind). The screen drops what it shows and
   * reads its state again through the normal requests; the stream itself goes on.
   */
  onResync?: () => void;
  /**
   * The browser gave up on the stream (e.g. an error status while the server
   * restarted, or the session ended): called before the next attempt, e.g. to
   * find out whether the session is still valid.
   */
  onGaveUp?: () => void;
}

export interface KioskStream {
  /** Start over with a new connection now (e.g. when the network is back). */
  reconnect: () => void;
  close: () => void;
}

/** First wait after the browser gave up on a stream; doubles up to `MAX_BACKOFF_MS`. */
const FIRST_BACKOFF_MS = 2000;
const MAX_BACKOFF_MS = 30_000;

/**
 * The kiosk's live feed (`GET /api/v1/kiosk/stream`, `event: tap` and
 * `event: resync`). The
 * browser's EventSource reconnects by itself after a network loss (the
 * server asks for `retry: 2000`); when it ends up CLOSED instead (an error
 * answer, e.g. a 502 from a proxy while the server restarts), a new one is
 * opened after a growing pause. Never reloads the page.
 */
export function openKioskStream(locationId: string | null, handlers: KioskStreamHandlers): KioskStream {
  const url = kioskStreamUrl(locationId);
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let failures = 0;
  let closed = false;

  const onTap = (event: MessageEvent<string>) => {
    const tap = parseKioskTap(event.data);
    if (tap) handlers.onTap(tap);
  };

  const open = () => {
    clearTimeout(timer);
    if (closed) return;
    const current = new EventSource(url);
    source = current;
    current.addEventListener('open', () => {
      if (source !== current) return;
      failures = 0;
      handlers.onState('open');
    });
    current.addEventListener('tap', onTap as EventListener);
    current.addEventListener('resync', () => {
      if (source === current && !closed) handlers.onResync?.();
    });
    current.addEventListener('error', () => {
      if (source !== current || closed) return;
      handlers.onState('reconnecting');
      if (current.readyState === EventSource.CLOSED) {
        current.close();
        source = null;
        const wait = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.min(failures, 4));
        failures += 1;
        handlers.onGaveUp?.();
        timer = setTimeout(open, wait);
      }
      // CONNECTING: the browser tries again by itself.
    });
  };

  handlers.onState('connecting');
  open();

  return {
    reconnect: () => {
      if (closed) return;
      source?.close();
      source = null;
      handlers.onState('reconnecting');
      open();
    },
    close: () => {
      closed = true;
      clearTimeout(timer);
      source?.close();
      source = null;
    },
  };
}

/** How often the kiosk asks `GET /api/v1/auth/me`, which keeps the staff session from idling out. */
export const KIOSK_KEEPALIVE_MS = 5 * 60 * 1000;

/** How long a greeting or refusal stays on the screen before it goes back to "please tap your card". */
export const KIOSK_MESSAGE_MS = 4000;
