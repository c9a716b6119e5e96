import { api, expectOk, requestSignal, unwrap } from './client';
import type { components } from './schema';

/**
 * Members of the tenant (access review, roles), its companies and its
 * security settings; docs/staff-api.md.
 */

/** One role of a member in this tenant, with its scope. */
export type MemberRole = components['schemas']['RoleAssignment'];

/** A row of the access review (`GET /api/v1/members`); `dormant`: no sign-in for `auth.dormant_after_days` days. */
export type Member = components['schemas']['Member'];

/**
 * A role as `PUT /api/v1/members/{id}/roles` takes it. `is_primary` is not in
 * docs/staff-api.md, but the server reads it: a primary tenant admin's role
 * sent without it is taken as giving up being primary.
 */
export type RoleGrant = components['schemas']['RoleAssignment'];

export type Company = components['schemas']['Company'];

export type TenantSecurity = components['schemas']['SecuritySettings'];

export async function listMembers(signal?: AbortSignal): Promise<Member[]> {
  return unwrap(await api.GET('/api/v1/members', {
    signal: requestSignal(signal),
    cache: 'no-store',
  }));
}

/**
 * Replace a member's roles (an empty list removes the member from the tenant).
 * Throws ApiError (403 forbidden, 409 admin_limit_reached / last_primary_admin, 422 invalid_field).
 */
export async function setMemberRoles(accountId: string, roles: RoleGrant[]): Promise<Member> {
  return unwrap(await api.PUT('/api/v1/members/{id}/roles', {
    params: { path: { id: accountId } },
    body: { roles },
    signal: requestSignal(),
    cache: 'no-store',
  }));
}

/** Disable (ends the member's sessions) or enable a member. Throws ApiError (409 cannot_disable_self). */
export async function setMemberDisabled(accountId: string, disabled: boolean): Promise<Member> {
  const init = { params: { path: { id: accountId } }, signal: requestSignal(), cache: 'no-store' as const };
  return unwrap(
    disabled ? await api.POST('/api/v1/members/{id}/disable', init) : await api.POST('/api/v1/members/{id}/enable', init),
  );
}

/** End every session of a member; returns how many ended. */
export async function endMemberSessions(accountId: string): Promise<number> {
  return unwrap(await api.POST('/api/v1/accounts/{id}/sessions/end-all', {
    params: { path: { id: accountId } },
    signal: requestSignal(),
    cache: 'no-store',
  })).ended;
}

/** A primary admin resets a member's lost second factors; the member is mailed (TOM ACC-6). */
export async function resetMemberFactors(accountId: string): Promise<void> {
  expectOk(await api.POST('/api/v1/accounts/{id}/factors/reset', {
    params: { path: { id: accountId } },
    signal: requestSignal(),
    cache: 'no-store',
  }));
}

export async function listCompanies(signal?: AbortSignal): Promise<Company[]> {
  return unwrap(await api.GET('/api/v1/companies', {
    signal: requestSignal(signal),
    cache: 'no-store',
  }));
}

export async function createCompany(name: string): Promise<Company> {
  return unwrap(await api.POST('/api/v1/companies', {
    body: { name },
    signal: requestSignal(),
    cache: 'no-store',
  }));
}

export async function getTenantSecurity(signal?: AbortSignal): Promise<TenantSecurity> {
  return unwrap(await api.GET('/api/v1/tenant/security', {
    signal: requestSignal(signal),
    cache: 'no-store',
  }));
}

/** The tenant's sign-in rules; passkey settings left out stay as they are. */
export type TenantSecurityUpdate = components['schemas']['SecurityUpdate'];

export async function setTenantSecurity(update: TenantSecurityUpdate): Promise<TenantSecurity> {
  return unwrap(await api.PUT('/api/v1/tenant/security', {
    body: update,
    signal: requestSignal(),
    cache: 'no-store',
  }));
}
