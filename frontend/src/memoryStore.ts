import { useSyncExternalStore } from 'react';

/** A value kept in memory that components follow: `set` re-renders every component using it. */
export function memoryStore<T>(initial: T) {
  let value = initial;
  const listeners = new Set<() => void>();
  const get = (): T => value;
  const subscribe = (listener: () => void) => {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  };
  return {
    get,
    set(next: T): void {
      value = next;
      for (const listener of [...listeners]) listener();
    },
    /** The React hook: the current value, re-rendered on every `set`. */
    useValue: (): T => useSyncExternalStore(subscribe, get, get),
  };
}
