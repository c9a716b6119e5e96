import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { reportReachable, reportUnreachable } from '../connectivity';
import { memoryGet, memoryRemove, memorySet } from '../session';
import { reportTenantReadOnly } from '../tenantStatus';

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

/** Methods that change state and therefore carry the CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** In-memory key of the CSRF token (never sessionStorage: /auth/me hands it out again after a reload). */
const CSRF_MEMORY_KEY = 'auth.csrf';

/** Keep the CSRF token of the current session (from login or /auth/me) in memory only. */
export function setCsrfToken(token: string | null): void {
  if (token) memorySet(CSRF_MEMORY_KEY, token);
  else memoryRemove(CSRF_MEMORY_KEY);
}

/**
 * Every state-changing request carries `X-CSRF-Token`; the browser adds
 * `Origin` itself. The session cookie is HttpOnly and never touched here.
 */
const csrfMiddleware: Middleware = {
  onRequest({ request }) {
    if (SAFE_METHODS.has(request.method.toUpperCase())) return undefined;
    const token = memoryGet<string>(CSRF_MEMORY_KEY);
    if (!token) return undefined;
    request.headers.set('X-CSRF-Token', token);
    return request;
  },
};

/**
 * TOM DEL-1: an answer 409 `tenant_read_only` (the tenant's contract ends, it is
 * read-only) tells the app, which then shows the read-only banner.
 */
const readOnlyMiddleware: Middleware = {
  async onResponse({ response }) {
    if (response.status !== 409) return undefined;
    try {
      const body: unknown = await response.clone().json();
      if (body && typeof body === 'object' && 'code' in body && body.code === 'tenant_read_only') reportTenantReadOnly();
    } catch {
      // Not a problem+json body: nothing to report.
    }
    return undefined;
  },
};

export const api = createClient<paths>({
  baseUrl: window.location.origin,
  // Same-origin only (CSP connect-src 'self'); never send credentials to
  // other origins.
  credentials: 'same-origin',
  headers: { Accept: 'application/json, application/problem+json' },
});
api.use(connectivityMiddleware, csrfMiddleware, readOnlyMiddleware);

/** Timeout for a single API request in milliseconds. */
export const REQUEST_TIMEOUT_MS = 5000;

/** Timeout for requests that may take longer (audit search, chain check). */
export const SLOW_REQUEST_TIMEOUT_MS = 30_000;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | null,
    /** Seconds from a `Retry-After` header (429), when the server sent one. */
    readonly retryAfter: number | null = null,
  ) {
    super(problem?.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
  }

  /** The problem's stable code, e.g. `invalid_credentials`. */
  get code(): Problem['code'] | null {
    return this.problem?.code ?? null;
  }
}

export function asProblem(value: unknown): Problem | null {
  if (value && typeof value === 'object' && 'title' in value && 'status' in value) {
    return value as Problem;
  }
  return null;
}

function retryAfterSeconds(response: Response): number | null {
  const header = response.headers.get('Retry-After');
  if (!header) return null;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(header);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** Turn a non-2xx answer into an ApiError (problem body and Retry-After included). */
function apiError(response: Response, body: unknown): ApiError {
  return new ApiError(response.status, asProblem(body), retryAfterSeconds(response));
}

/** What an `api.GET/POST/PUT/…` call resolves to (openapi-fetch). */
interface ApiResult<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * The body of a 2xx answer with content: `unwrap(await api.GET(…))`. Any
 * other answer throws ApiError (problem body and Retry-After included).
 */
export function unwrap<T>({ data, error, response }: ApiResult<T>): T {
  if (response.ok && data !== undefined) return data;
  throw apiError(response, error);
}

/**
 * For answers without content (204; openapi-fetch gives no `data` then):
 * returns on any 2xx, throws ApiError otherwise.
 */
export function expectOk({ error, response }: ApiResult<unknown>): void {
  if (response.ok) return;
  throw apiError(response, error);
}

/** Combine a caller's abort signal with a request timeout. */
export function requestSignal(signal?: AbortSignal, timeoutMs: number = REQUEST_TIMEOUT_MS): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

/** True for a cancellation by the caller (not a time-out, not a network error). */
export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/** Fetch the server status. Throws on network errors and non-2xx answers. */
export async function fetchStatus(signal?: AbortSignal): Promise<Status> {
  return unwrap(
    await api.GET('/api/v1/status', {
      signal: requestSignal(signal),
      cache: 'no-store',
    }),
  );
}

/** The file name from `Content-Disposition`, if the server gave one (plain `filename=` only). */
export function attachmentName(response: Response): string | null {
  const header = response.headers.get('Content-Disposition') ?? '';
  const m = /filename\s*=\s*"?([^";]+)"?/i.exec(header);
  const name = m?.[1]?.trim();
  return name && !/[\\/]/.test(name) ? name : null;
}
