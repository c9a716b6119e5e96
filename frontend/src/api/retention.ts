import { api, requestSignal, unwrap } from './client';
import type { components } from './schema';

/**
 * Retention settings (TOM PRIV-6, tenant admins, permission `retention.manage`)
 * and the tenant's processing record (TOM RIGHTS-3, `processing_record.read`).
 * Staff cookie session + CSRF.
 */

/** The tenant's periods, what is due now and who becomes due next. */
export type RetentionView = components['schemas']['RetentionView'];

export type RetentionChange = components['schemas']['RetentionChange'];

export type DueParticipant = components['schemas']['DueParticipant'];

/** The generated description of the processing for the tenant's Art. 30 record. */
export type ProcessingRecord = components['schemas']['ProcessingRecord'];

export type ProcessingActivity = components['schemas']['ProcessingActivity'];

/** Allowed ranges in months (the server checks them too: 422 with `field`). */
export const PARTICIPANT_MONTHS = { min: 1, max: 120 } as const;
export const AUDIT_MONTHS = { min: 12, max: 120 } as const;

const init = (signal?: AbortSignal) => ({ signal: requestSignal(signal), cache: 'no-store' as const });

/** `GET /api/v1/retention`. */
export async function getRetention(signal?: AbortSignal): Promise<RetentionView> {
  return unwrap(await api.GET('/api/v1/retention', init(signal)));
}

/** `PUT /api/v1/retention`. Throws ApiError (422 with `field`: `participant_retention_months` / `audit_retention_months`). */
export async function setRetention(change: RetentionChange): Promise<RetentionView> {
  return unwrap(await api.PUT('/api/v1/retention', { body: change, ...init() }));
}

/** `GET /api/v1/processing-record?lang=…`: the texts come in the UI's language. Every read is audited. */
export async function getProcessingRecord(lang: 'de' | 'en', signal?: AbortSignal): Promise<ProcessingRecord> {
  return unwrap(await api.GET('/api/v1/processing-record', { params: { query: { lang } }, ...init(signal) }));
}
