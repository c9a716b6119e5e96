import { api, expectOk, requestSignal, unwrap } from './client';
import type { components } from './schema';

/** The second factor (TOTP, RFC 6238) of the signed-in account; docs/staff-api.md "Second factor". */

/** The QR code of the `otpauth://` URI: `size` rows of `size` characters, '1' dark, '0' light. */
export type QrMatrix = components['schemas']['QrCode'];

/** Answer of `POST /api/v1/auth/totp/setup`: an unconfirmed secret (a new setup replaces it). */
export type TotpSetup = components['schemas']['TotpSetup'];

/** Answer of `POST /api/v1/auth/totp/confirm`: the recovery codes, shown once, and the (new) session's `Me`. */
export type TotpConfirmed = components['schemas']['TotpEnabled'];

/** Start (or restart) the enrolment. */
export async function setupTotp(): Promise<TotpSetup> {
  return unwrap(await api.POST('/api/v1/auth/totp/setup', {
    signal: requestSignal(),
    cache: 'no-store',
  }));
}

/**
 * Confirm the enrolment with a code from the app and the account's password
 * (a session alone cannot replace the second factor). Throws ApiError (422
 * invalid_code, 401 invalid_credentials, 429 rate_limited). The answer's `me`
 * belongs to a new session when the sign-in was waiting for the enrolment.
 */
export async function confirmTotp(code: string, password: string): Promise<TotpConfirmed> {
  return unwrap(await api.POST('/api/v1/auth/totp/confirm', {
    body: { code, password },
    signal: requestSignal(),
    cache: 'no-store',
  }));
}

/**
 * Switch the second factor off (the password confirms it). Throws ApiError
 * (401 invalid_credentials, 409 mfa_required_by_tenant).
 */
export async function disableTotp(password: string): Promise<void> {
  expectOk(await api.POST('/api/v1/auth/totp/disable', {
    body: { password },
    signal: requestSignal(),
    cache: 'no-store',
  }));
}
