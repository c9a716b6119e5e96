import { api, requestSignal, unwrap } from './client';
import type { components } from './schema';

/** One of the signed-in account's sessions (TOM ACC-8). */
export type SessionView = components['schemas']['SessionView'];

/** The signed-in account's active sessions. */
export async function listSessions(signal?: AbortSignal): Promise<SessionView[]> {
  return unwrap(await api.GET('/api/v1/auth/sessions', {
    signal: requestSignal(signal),
    cache: 'no-store',
  })).sessions;
}

/** End one of the account's other sessions (404: not yours, 422: the current one). */
export async function endSession(id: string): Promise<number> {
  return unwrap(await api.POST('/api/v1/auth/sessions/{id}/end', {
    params: { path: { id } },
    signal: requestSignal(),
    cache: 'no-store',
  })).ended;
}

/** End every session of the account except this one; returns how many ended. */
export async function endOtherSessions(): Promise<number> {
  return unwrap(await api.POST('/api/v1/auth/sessions/end-others', {
    signal: requestSignal(),
    cache: 'no-store',
  })).ended;
}

/**
 * Change the password (TOM ACC-5): the server ends every other session and
 * answers how many. Throws ApiError (422 with `field`, 429 with Retry-After).
 * The passwords are only passed through, never kept.
 */
export async function changePassword(currentPassword: string, newPassword: string): Promise<number> {
  return unwrap(await api.POST('/api/v1/auth/password', {
    body: { current_password: currentPassword, new_password: newPassword },
    signal: requestSignal(),
    cache: 'no-store',
  })).ended;
}
