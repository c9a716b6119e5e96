import { api, expectOk, requestSignal, unwrap } from './client';
import type { components } from './schema';
import { createPasskey, signWithPasskey } from '../webauthn';

/** Passkeys of the signed-in account (TOM ACC-6). */
export type PasskeyView = components['schemas']['PasskeyView'];
export type Me = components['schemas']['Me'];

type Json = Record<string, unknown>;

/** The account's passkeys with their last use. */
export async function listPasskeys(signal?: AbortSignal): Promise<PasskeyView[]> {
  return unwrap(await api.GET('/api/v1/auth/passkeys', { signal: requestSignal(signal), cache: 'no-store' })).passkeys;
}

/**
 * Adds a passkey: the password, then the browser's dialog. Throws ApiError (401
 * invalid_credentials, 422 invalid_field, 409 no_challenge) or the browser's DOMException.
 * The answer's `me` belongs to a new session when the sign-in waited for enrolment.
 */
export async function addPasskey(name: string, password: string): Promise<{ passkey: PasskeyView; me: Me }> {
  const challenge = unwrap(await api.POST('/api/v1/auth/passkeys/register/start', {
    body: { name, password },
    signal: requestSignal(),
    cache: 'no-store',
  }));
  const credential = await createPasskey(challenge.options as Json);
  return unwrap(await api.POST('/api/v1/auth/passkeys/register/finish', {
    body: { ceremony: challenge.ceremony, credential },
    signal: requestSignal(),
    cache: 'no-store',
  }));
}

/** Removes one of the account's passkeys (the password confirms it). */
export async function removePasskey(id: string, password: string): Promise<void> {
  expectOk(await api.POST('/api/v1/auth/passkeys/{id}/remove', {
    params: { path: { id } },
    body: { password },
    signal: requestSignal(),
    cache: 'no-store',
  }));
}

/** The second sign-in step with a passkey; answers the new session's `Me`. */
export async function passkeySecondFactor(): Promise<Me> {
  const challenge = unwrap(await api.POST('/api/v1/auth/passkeys/mfa/start', { signal: requestSignal(), cache: 'no-store' }));
  const credential = await signWithPasskey(challenge.options as Json);
  return unwrap(await api.POST('/api/v1/auth/passkeys/mfa/finish', {
    body: { ceremony: challenge.ceremony, credential },
    signal: requestSignal(),
    cache: 'no-store',
  }));
}

/**
 * Sign-in with a passkey alone (discoverable, user verified); answers `Me`.
 * `conditional`: offered in the autofill of the sign-in form, waiting until one is
 * chosen; `signal` ends the wait.
 */
export async function passkeySignIn({
  conditional = false,
  signal,
}: { conditional?: boolean; signal?: AbortSignal | undefined } = {}): Promise<Me> {
  const challenge = unwrap(await api.POST('/api/v1/auth/passkeys/sign-in/start', { signal: requestSignal(signal), cache: 'no-store' }));
  const credential = await signWithPasskey(challenge.options as Json, { conditional, signal });
  return unwrap(await api.POST('/api/v1/auth/passkeys/sign-in/finish', {
    body: { ceremony: challenge.ceremony, credential },
    signal: requestSignal(),
    cache: 'no-store',
  }));
}
