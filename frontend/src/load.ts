import { useCallback, useEffect, useState } from 'react';
import { ApiError, isAbort } from './api/client';
import { handleAuthError } from './auth';

/**
 * Shared state of the log pages (audit log, deletion log): what a page knows
 * about one server request, and how the filters come out of the route query.
 */
export type Load<T> =
  | { state: 'loading' }
  | { state: 'ok'; value: T }
  | { state: 'forbidden' }
  | { state: 'error'; detail: string | null };

/** The `Load` of a failed request (an expired session goes to sign-in first). */
export function loadFailure<T>(err: unknown): Load<T> {
  handleAuthError(err);
  if (err instanceof ApiError && err.status === 403) return { state: 'forbidden' };
  const detail = err instanceof ApiError ? (err.problem?.detail ?? err.problem?.title ?? null) : null;
  return { state: 'error', detail };
}

export interface LoadOptions {
  /**
   * While a new `key` loads, keep showing the last good answer instead of
   * "loading" (a list asked again after a change, no flicker).
   */
  keepWhileLoading?: boolean;
}

/**
 * The answer of `request` for `key`, loading again whenever `key` changes
 * (`key` must cover everything `request` reads); a stale request is aborted
 * and its answer dropped.
 */
export function useKeyedLoad<T>(
  key: string,
  request: (signal: AbortSignal) => Promise<T>,
  { keepWhileLoading = false }: LoadOptions = {},
): Load<T> {
  const [result, setResult] = useState<{ key: string; load: Load<T> }>({ key: '', load: { state: 'loading' } });

  useEffect(() => {
    const controller = new AbortController();
    if (!keepWhileLoading) setResult({ key, load: { state: 'loading' } });
    request(controller.signal).then(
      (value) => setResult({ key, load: { state: 'ok', value } }),
      (err: unknown) => {
        if (!isAbort(err)) setResult({ key, load: loadFailure(err) });
      },
    );
    return () => controller.abort();
    // `key` covers what `request` reads.
  }, [key]);

  if (result.key === key || (keepWhileLoading && result.load.state === 'ok')) return result.load;
  return { state: 'loading' };
}

/**
 * `useKeyedLoad` plus a setter for a value the page got otherwise (e.g. the
 * answer of a save): it is shown instead until `key` changes.
 */
export function useEditableLoad<T>(
  key: string,
  request: (signal: AbortSignal) => Promise<T>,
  options?: LoadOptions,
): [Load<T>, (value: T) => void] {
  const load = useKeyedLoad(key, request, options);
  const [local, setLocal] = useState<{ key: string; value: T } | null>(null);
  const set = useCallback((value: T) => setLocal({ key, value }), [key]);
  return [local !== null && local.key === key ? { state: 'ok', value: local.value } : load, set];
}

/** The filters among `keys` that the route query sets (non-empty). */
export function filtersFromQuery<K extends string>(
  query: URLSearchParams,
  keys: readonly K[],
): Partial<Record<K, string>> {
  const filters: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const value = query.get(key);
    if (value) filters[key] = value;
  }
  return filters;
}

/** A counter to load again: `[round, reload]`; put `round` into the `useKeyedLoad` key. */
export function useRound(): [number, () => void] {
  const [round, setRound] = useState(0);
  return [round, useCallback(() => setRound((r) => r + 1), [])];
}

/** A `Load` that is requested again every few seconds (live lists). */
export interface PolledLoad<T> {
  load: Load<T>;
  /** The last good answer is still shown, but the latest refresh failed. */
  stale: boolean;
  /** When the shown answer arrived. */
  updatedAt: Date | null;
  /** Ask again now (e.g. after a change); the timer starts over. */
  refresh: () => void;
}

/**
 * The answer of `request` for `key`, asked again `intervalMs` after each
 * answer while the component is mounted. Unlike `useKeyedLoad` a refresh
 * keeps the last good answer on screen (no flicker); a failed refresh marks
 * it stale instead of replacing it (an expired session still goes to sign-in).
 */
export function usePolledLoad<T>(key: string, request: (signal: AbortSignal) => Promise<T>, intervalMs: number): PolledLoad<T> {
  type State = { key: string; load: Load<T>; stale: boolean; updatedAt: Date | null };
  const [result, setResult] = useState<State>({ key: '', load: { state: 'loading' }, stale: false, updatedAt: null });
  const [round, refresh] = useRound();

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let controller: AbortController | null = null;
    const run = () => {
      const current = new AbortController();
      controller = current;
      request(current.signal).then(
        (value) => {
          if (!stopped) setResult({ key, load: { state: 'ok', value }, stale: false, updatedAt: new Date() });
        },
        (err: unknown) => {
          if (stopped || isAbort(err)) return;
          const failure = loadFailure<T>(err);
          setResult((prev) =>
            prev.key === key && prev.load.state === 'ok' ? { ...prev, stale: true } : { key, load: failure, stale: false, updatedAt: null },
          );
        },
      ).finally(() => {
        if (!stopped) timer = setTimeout(run, intervalMs);
      });
    };
    run();
    return () => {
      stopped = true;
      clearTimeout(timer);
      controller?.abort();
    };
    // `key` covers what `request` reads; `round` asks again now.
  }, [key, round, intervalMs]);

  const own = result.key === key;
  return {
    load: own ? result.load : { state: 'loading' },
    stale: own && result.stale,
    updatedAt: own ? result.updatedAt : null,
    refresh,
  };
}
