import { api, requestSignal, unwrap } from './client';
import type { components } from './schema';

/**
 * The sub-processor register (TOM SUB-1, TRANS-5; issue 20): platform admins keep it and
 * plan changes with every tenant's notice period; tenant admins read it and object to a
 * planned change before it takes effect ("Unterauftragsverarbeiter").
 */

export type RegisterView = components['schemas']['RegisterView'];
export type PlatformChange = components['schemas']['PlatformChange'];
export type ChangeView = components['schemas']['ChangeView'];
export type SubprocessorEntry = components['schemas']['SubprocessorEntry'];
export type NewChange = components['schemas']['NewChange'];
export type EntryInput = components['schemas']['EntryInput'];
export type NoticePeriod = components['schemas']['NoticePeriod'];
export type TenantRegister = components['schemas']['TenantRegister'];
export type TenantChange = components['schemas']['TenantChange'];

const init = (signal?: AbortSignal) => ({ signal: requestSignal(signal), cache: 'no-store' as const });

/** The register as of `at` (`YYYY-MM-DD`; today when empty) and every change with its objections. */
export async function getRegister(at: string, signal?: AbortSignal): Promise<RegisterView> {
  const query = at ? { at } : {};
  return unwrap(await api.GET('/api/v1/platform/subprocessors', { params: { query }, ...init(signal) }));
}

export async function planChange(body: NewChange): Promise<PlatformChange> {
  return unwrap(await api.POST('/api/v1/platform/subprocessors/changes', { body, ...init() }));
}

export async function noticePeriods(signal?: AbortSignal): Promise<NoticePeriod[]> {
  return unwrap(await api.GET('/api/v1/platform/subprocessors/notice-periods', init(signal)));
}

export async function setNoticePeriod(tenantId: string, days: number): Promise<NoticePeriod> {
  return unwrap(
    await api.PUT('/api/v1/platform/subprocessors/notice-periods/{id}', {
      params: { path: { id: tenantId } },
      body: { notice_days: days },
      ...init(),
    }),
  );
}

/** The tenant's page (tenant and partner admins). */
export async function tenantRegister(signal?: AbortSignal): Promise<TenantRegister> {
  return unwrap(await api.GET('/api/v1/tenant/subprocessors', init(signal)));
}

export async function objectToChange(changeId: string, reason: string): Promise<TenantRegister> {
  return unwrap(
    await api.POST('/api/v1/tenant/subprocessors/changes/{id}/objection', { params: { path: { id: changeId } }, body: { reason }, ...init() }),
  );
}
