import { api, expectOk, requestSignal, unwrap } from './client';
import type { components } from './schema';

/** Invitations of staff into the tenant; docs/staff-api.md "Invitations". */

/** Roles an invitation can grant. */
export const INVITABLE_ROLES = ['organiser', 'instructor', 'company_admin', 'tenant_admin'] as const satisfies readonly Role[];
export type Role = components['schemas']['Role'];
export type InvitableRole = (typeof INVITABLE_ROLES)[number];

/** A pending invitation (`GET /api/v1/invitations`); `mail_status` is how far its mail got (outbox). */
export type Invitation = components['schemas']['InvitationView'];

export interface NewInvitation {
  email: string;
  role: InvitableRole;
  company_id?: string;
  language?: 'de' | 'en';
}

/** What the invited person sees before accepting (public). */
export type InvitationPreview = components['schemas']['InvitationPreview'];

export async function listInvitations(signal?: AbortSignal): Promise<Invitation[]> {
  return unwrap(await api.GET('/api/v1/invitations', {
    signal: requestSignal(signal),
    cache: 'no-store',
  }));
}

/** Invite someone; the mail goes out through the outbox. Throws ApiError (403 forbidden, 409 admin_limit_reached, 422 invalid_field). */
export async function createInvitation(invitation: NewInvitation): Promise<Invitation> {
  return unwrap(await api.POST('/api/v1/invitations', {
    body: invitation,
    signal: requestSignal(),
    cache: 'no-store',
  }));
}

export async function revokeInvitation(id: string): Promise<void> {
  expectOk(await api.POST('/api/v1/invitations/{id}/revoke', {
    params: { path: { id } },
    signal: requestSignal(),
    cache: 'no-store',
  }));
}

/** Public: what the token invites to. Throws ApiError (404 invitation_invalid). */
export async function previewInvitation(token: string, signal?: AbortSignal): Promise<InvitationPreview> {
  return unwrap(await api.POST('/api/v1/invitations/preview', {
    body: { token },
    signal: requestSignal(signal),
    cache: 'no-store',
  }));
}

/**
 * Public: accept with the new account's password (or the existing account's
 * current one). Throws ApiError (422 weak_password with `detail`, 401
 * invalid_credentials, 404 invitation_invalid).
 */
export async function acceptInvitation(token: string, password: string): Promise<{ email: string }> {
  return unwrap(await api.POST('/api/v1/invitations/accept', {
    body: { token, password },
    signal: requestSignal(),
    cache: 'no-store',
  }));
}
