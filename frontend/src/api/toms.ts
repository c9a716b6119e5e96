import { api, attachmentName, requestSignal, unwrap } from './client';
import type { components } from './schema';

/**
 * The TOM evidence report (TOM REVIEW-1; issue 20): every measure with its control, the
 * tests that prove it, live evidence and a status. Platform admins see the platform's
 * view (every tenant, as counts), tenant admins their tenant's; both export it signed.
 */

export type TomReport = components['schemas']['TomReport'];
export type TomRow = components['schemas']['TomRow'];
export type TomStatus = components['schemas']['TomStatus'];

export type TomScope = 'platform' | 'tenant';

const init = (signal?: AbortSignal) => ({ signal: requestSignal(signal), cache: 'no-store' as const });

export async function tomReport(scope: TomScope, signal?: AbortSignal): Promise<TomReport> {
  return scope === 'platform'
    ? unwrap(await api.GET('/api/v1/platform/toms', init(signal)))
    : unwrap(await api.GET('/api/v1/tenant/toms', init(signal)));
}

/** The signed JSON export (audited on the server). */
export async function exportTomReport(scope: TomScope): Promise<{ blob: Blob; filename: string }> {
  const options = { signal: requestSignal(undefined), cache: 'no-store' as const, parseAs: 'blob' as const };
  const result =
    scope === 'platform' ? await api.GET('/api/v1/platform/toms/export', options) : await api.GET('/api/v1/tenant/toms/export', options);
  return { blob: unwrap(result), filename: attachmentName(result.response) ?? 'tom-report.json' };
}
