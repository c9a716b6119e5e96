import { ApiError } from './api/client';
import type { I18n } from './i18n';

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

/**
 * The fallback sentence plus the server's detail, if it gave one. A 409
 * `tenant_read_only` gets the app's own sentence instead of the server's detail
 * (every page that reports errors this way says it the same way).
 */
export function withDetail(t: I18n['t'], text: string, err: unknown): string {
  if (isTenantReadOnly(err)) return `${text} ${t('readOnly.problem')}`;
  const detail = problemDetail(err);
  return detail ? `${text} ${t('common.serverSays', { detail })}` : text;
}
