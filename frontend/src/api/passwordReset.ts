import { api, requestSignal, unwrap } from './client';

/**
 * "Passwort vergessen?" (issue 23, TOM ACC-4, ACC-5); both calls are public. The
 * request answers alike whether an account has the address or not.
 */

/** Asks for a reset link. Throws ApiError (422 invalid_field, 429 rate_limited). */
export async function requestPasswordReset(email: string, language: 'de' | 'en'): Promise<void> {
  unwrap(await api.POST('/api/v1/auth/password-reset', { body: { email, language }, signal: requestSignal(), cache: 'no-store' }));
}

/**
 * Sets the new password with the link's token; every session of the account ends.
 * Throws ApiError (404 link_invalid, 422 weak_password with `detail`, 429 rate_limited).
 */
export async function completePasswordReset(token: string, newPassword: string, language: 'de' | 'en'): Promise<number> {
  const answer = unwrap(
    await api.POST('/api/v1/auth/password-reset/complete', {
      body: { token, new_password: newPassword, language },
      signal: requestSignal(),
      cache: 'no-store',
    }),
  );
  return answer.ended;
}
