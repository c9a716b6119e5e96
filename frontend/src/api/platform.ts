import { api, attachmentName, requestSignal, unwrap } from './client';
import type { components } from './schema';

/**
 * The platform console (issue 20; platform admins after their second factor): tenants
 * with status and counts only (TOM AUTHZ-3), a new tenant with its first primary admin,
 * offboarding and the deletion certificate, the platform's state.
 */

export type PlatformTenant = components['schemas']['PlatformTenant'];
export type PlatformStatus = components['schemas']['PlatformStatus'];
export type NewPlatformTenant = components['schemas']['NewPlatformTenant'];

const init = (signal?: AbortSignal) => ({ signal: requestSignal(signal), cache: 'no-store' as const });

/** `GET /api/v1/platform/tenants`. Throws ApiError (403 for everyone but platform admins). */
export async function listTenants(signal?: AbortSignal): Promise<PlatformTenant[]> {
  return unwrap(await api.GET('/api/v1/platform/tenants', init(signal)));
}

/** `POST /api/v1/platform/tenants`: the tenant and the invitation mail to its first primary admin. */
export async function createTenant(body: NewPlatformTenant): Promise<PlatformTenant> {
  return unwrap(await api.POST('/api/v1/platform/tenants', { body, ...init() }));
}

/** `GET /api/v1/platform/status`. */
export async function platformStatus(signal?: AbortSignal): Promise<PlatformStatus> {
  return unwrap(await api.GET('/api/v1/platform/status', init(signal)));
}

/** `POST /api/v1/platform/tenants/{id}/offboarding` with the tenant's slug typed again. */
export async function startTenantOffboarding(id: string, confirmSlug: string): Promise<void> {
  unwrap(
    await api.POST('/api/v1/platform/tenants/{id}/offboarding', {
      params: { path: { id } },
      body: { confirm_slug: confirmSlug },
      ...init(),
    }),
  );
}

/** `GET /api/v1/platform/tenants/{id}/offboarding/certificate`: the signed deletion certificate (JSON). */
export async function downloadCertificate(id: string): Promise<{ blob: Blob; filename: string }> {
  const result = await api.GET('/api/v1/platform/tenants/{id}/offboarding/certificate', {
    params: { path: { id } },
    signal: requestSignal(undefined),
    cache: 'no-store',
    parseAs: 'blob',
  });
  return { blob: unwrap(result), filename: attachmentName(result.response) ?? 'deletion-certificate.json' };
}
