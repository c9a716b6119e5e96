import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { reportReachable, reportUnreachable } from '../connectivity';

/** Response body of `GET /api/v1/status` (schema `Status`). */
export type Status = paths['/api/v1/status']['get']['responses'][200]['content']['application/json'];

/** RFC 9457 problem details (`application/problem+json`, schema `Problem`). */
export type Problem = NonNullable<
  paths['/readyz']['get']['responses'][503]['content']['application/problem+json']
>;

/** Gateway-ish statuses that mean "the backend is not there right now". */
const UNAVAILABLE_STATUSES = new Set([502, 503, 504]);

/**
 * TOM AVAIL-4: every API response feeds the connectivity state behind the
 * offline banner. A network error or a 502/503/504 marks the server
 * unreachable; any other answer marks it reachable again.
 */
const connectivityMiddleware: Middleware = {
  onResponse({ response }) {
    if (UNAVAILABLE_STATUSES.has(response.status)) {
      reportUnreachable();
    } else {
      reportReachable();
    }
    return undefined;
  },
  onError({ error }) {
    // fetch() rejects with a TypeError on network failures and with a
    // TimeoutError when REQUEST_TIMEOUT_MS passes: both mean unreachable.
    // An AbortError is a cancellation by the caller and says nothing.
    if (!(error instanceof DOMException && error.name === 'AbortError')) {
      reportUnreachable();
    }
    return error instanceof Error ? error : new Error(String(error));
  },
};

export const api = createClient<paths>({
  baseUrl: window.location.origin,
  // Same-origin only (CSP connect-src 'self'); never send credentials to
  // other origins.
  credentials: 'same-origin',
  headers: { Accept: 'application/json, application/problem+json' },
});
api.use(connectivityMiddleware);

/** Timeout for a single API request in milliseconds. */
export const REQUEST_TIMEOUT_MS = 5000;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | null,
  ) {
    super(problem?.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
  }
}

function asProblem(value: unknown): Problem | null {
  if (value && typeof value === 'object' && 'title' in value && 'status' in value) {
    return value as Problem;
  }
  return null;
}

/** Fetch the server status. Throws on network errors and non-2xx answers. */
export async function fetchStatus(signal?: AbortSignal): Promise<Status> {
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  const { data, error, response } = await api.GET('/api/v1/status', {
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    cache: 'no-store',
  });
  if (data) return data;
  throw new ApiError(response.status, asProblem(error));
}
