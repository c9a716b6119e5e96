import { fetchStatus, type Status } from './api/client';
import { reportUnreachable } from './connectivity';
import { memoryStore } from './memoryStore';

/**
 * TOM AVAIL-4: the client polls `GET /api/v1/status` every few seconds so it
 * notices when the backend goes away (offline banner) and when it is back
 * (banner disappears by itself). The latest answer is kept in memory only.
 */
export const POLL_INTERVAL_MS = 3000;

export interface ServerStatusState {
  status: Status | null;
  checkedAt: Date | null;
}

const store = memoryStore<ServerStatusState>({ status: null, checkedAt: null });

export const useServerStatus = store.useValue;

/**
 * Start polling. Returns a function that stops it. Also reacts to the
 * browser's online/offline events and to the tab becoming visible again.
 */
export function startStatusPolling(): () => void {
  let stopped = false;
  let inFlight = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const controller = new AbortController();

  const schedule = () => {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(poll, POLL_INTERVAL_MS);
  };

  const poll = async () => {
    if (stopped || inFlight) return;
    clearTimeout(timer);
    inFlight = true;
    try {
      const status = await fetchStatus(controller.signal);
      if (!stopped) store.set({ status, checkedAt: new Date() });
    } catch {
      // Connectivity is reported by the API client middleware; keep the
      // last known status so the page does not flicker.
    } finally {
      inFlight = false;
      schedule();
    }
  };

  const onOnline = () => {
    void poll();
  };
  const onOffline = () => {
    reportUnreachable();
  };
  const onVisibility = () => {
    if (document.visibilityState === 'visible') void poll();
  };

  window.addEventListener('online', onOnline);
  window.addEventListener('offline', onOffline);
  document.addEventListener('visibilitychange', onVisibility);
  void poll();

  return () => {
    stopped = true;
    clearTimeout(timer);
    controller.abort();
    window.removeEventListener('online', onOnline);
    window.removeEventListener('offline', onOffline);
    document.removeEventListener('visibilitychange', onVisibility);
  };
}
