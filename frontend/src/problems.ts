import { ApiError } from './api/client';
import type { I18n, MessageKey } from './i18n';
import type { ProblemCode } from './i18n/types';

/**
 * Field errors of a 422 problem: `errors: [{field, message}]`
 * (docs/events-api.md, `invalid_input`) or the single `field` + `detail` of
 * the older `invalid_field` answers. Field names are normalised to dots:
 * `sessions[0].ends_at` → `sessions.0.ends_at`.
 */
export interface FieldIssue {
  field: string;
  message: string | null;
}

export function normaliseField(field: string): string {
  return field.replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '');
}

export function fieldIssues(err: unknown): FieldIssue[] {
  if (!(err instanceof ApiError) || err.status !== 422 || !err.problem) return [];
  const problem = err.problem as typeof err.problem & { errors?: unknown };
  const out: FieldIssue[] = [];
  if (Array.isArray(problem.errors)) {
    for (const entry of problem.errors as unknown[]) {
      if (entry && typeof entry === 'object' && 'field' in entry && typeof entry.field === 'string') {
        const message = 'message' in entry && typeof entry.message === 'string' ? entry.message : null;
        out.push({ field: normaliseField(entry.field), message });
      }
    }
  }
  if (out.length === 0 && problem.field) out.push({ field: normaliseField(problem.field), message: problem.detail ?? null });
  return out;
}

/** "Please check this field." with the server's reason, for the message under a field. */
export function issueText(t: I18n['t'], issue: FieldIssue): string {
  return issue.message ? `${t('form.invalid')} ${t('common.serverSays', { detail: issue.message })}` : t('form.invalid');
}

/** The server's detail (or title) of a problem, if any. */
export function problemDetail(err: unknown): string | null {
  return err instanceof ApiError ? (err.problem?.detail ?? null) : null;
}

/** A sentence for a 429: with the wait from `Retry-After` when known. */
export function rateLimitText(t: I18n['t'], err: ApiError): string {
  return err.retryAfter === null ? t('login.error.rateLimitedLater') : t('login.error.rateLimited', { seconds: err.retryAfter });
}

/** True for the answer 409 `tenant_read_only`: the tenant's contract ends, nothing can be changed (TOM DEL-1). */
export function isTenantReadOnly(err: unknown): boolean {
  return err instanceof ApiError && err.status === 409 && err.code === 'tenant_read_only';
}

/** A page's own sentence for some codes, used instead of the general `problem.<code>` text. */
export type ProblemWording = Partial<Record<ProblemCode, MessageKey>>;

/**
 * Codes whose text says why, not what: it follows the page's sentence for what
 * failed ("Der Ort konnte nicht angelegt werden. Der Mandant ist schreibgeschützt …").
 */
const AFTER_WHAT_FAILED: ReadonlySet<ProblemCode> = new Set<ProblemCode>([
  'bad_request',
  'malformed_json',
  'invalid_body',
  'invalid_query',
  'invalid_path',
  'invalid_field',
  'body_too_large',
  'unsupported_media_type',
  'method_not_allowed',
  'csrf_failed',
  'forbidden',
  'not_found',
  'conflict',
  'tenant_not_active',
  'tenant_read_only',
  'tenant_offboarded',
  'not_ready',
  'unavailable',
  'internal_error',
]);

/** Codes whose server detail names what exactly is wrong (a field, a rule): it is shown too. */
const WITH_SERVER_DETAIL: ReadonlySet<ProblemCode> = new Set<ProblemCode>([
  'bad_request',
  'malformed_json',
  'invalid_body',
  'invalid_query',
  'invalid_path',
  'invalid_field',
  'weak_password',
  'conflict',
]);

/**
 * The sentence the UI shows for a failed request — the one mapping from the
 * server's problem codes to text. `whatFailed` is the page's sentence for the
 * action ("Die Rollen konnten nicht gespeichert werden."); `wording` the page's
 * own sentences for some codes. Otherwise a code's text is `problem.<code>`
 * (every code has one in both languages, checked by the compiler); a code that
 * says why rather than what follows `whatFailed`. Without an answer from the
 * server (network error, time-out) it says the server is unreachable.
 */
export function problemMessage(t: I18n['t'], err: unknown, whatFailed: string, wording: ProblemWording = {}): string {
  if (!(err instanceof ApiError)) return t('login.error.unreachable');
  const code = err.code;
  const detail = problemDetail(err);
  const serverSays = detail ? ` ${t('common.serverSays', { detail })}` : '';
  // Not a problem answer of the server (e.g. a proxy's error page).
  if (!code) return `${whatFailed}${serverSays}`;
  const own = wording[code];
  let text: string;
  if (own) text = t(own, { field: err.problem?.field ?? '?' });
  else if (code === 'rate_limited' && err.retryAfter !== null) text = t('login.error.rateLimited', { seconds: err.retryAfter });
  else text = t(`problem.${code}`);
  if (!own && AFTER_WHAT_FAILED.has(code)) text = `${whatFailed} ${text}`;
  return WITH_SERVER_DETAIL.has(code) ? `${text}${serverSays}` : text;
}

/**
 * `problemMessage` for the pages without their own wording: `text` says what
 * failed. Without an answer from the server it stays alone.
 */
export function withDetail(t: I18n['t'], text: string, err: unknown): string {
  return err instanceof ApiError ? problemMessage(t, err, text) : text;
}
