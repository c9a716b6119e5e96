import { api, requestSignal, SLOW_REQUEST_TIMEOUT_MS, unwrap, expectOk } from './client';
import type { components } from './schema';

/**
 * Staff single sign-on (TOM ACC-7): the tenant's identity providers, role
 * mappings and "Nur SSO" (primary tenant admins, `sso.manage`), and the
 * public sign-in through a provider. Secrets are write-only: answers only say
 * `secret_set`.
 */

export type ProviderView = components['schemas']['ProviderView'];
export type ProviderInput = components['schemas']['ProviderInput'];
export type RoleMapping = components['schemas']['RoleMapping'];
export type TestReport = components['schemas']['TestReport'];
export type SsoSettings = components['schemas']['SsoSettings'];
export type PublicProviders = components['schemas']['PublicProviders'];
export type PublicProvider = components['schemas']['PublicProvider'];
export type DomainProvider = components['schemas']['DomainProvider'];

const init = (signal?: AbortSignal) => ({ signal: requestSignal(signal), cache: 'no-store' as const });
/** Calls that reach the provider wait longer (the server gives each call 10 s). */
const slow = () => ({ signal: requestSignal(undefined, SLOW_REQUEST_TIMEOUT_MS), cache: 'no-store' as const });

export async function listProviders(signal?: AbortSignal): Promise<ProviderView[]> {
  return unwrap(await api.GET('/api/v1/sso/providers', init(signal))).providers;
}

export async function createProvider(input: ProviderInput): Promise<ProviderView> {
  return unwrap(await api.POST('/api/v1/sso/providers', { body: input, ...init() }));
}

export async function updateProvider(id: string, input: ProviderInput): Promise<ProviderView> {
  return unwrap(await api.PUT('/api/v1/sso/providers/{id}', { params: { path: { id } }, body: input, ...init() }));
}

export async function deleteProvider(id: string): Promise<void> {
  expectOk(await api.POST('/api/v1/sso/providers/{id}/delete', { params: { path: { id } }, ...init() }));
}

/** "Verbindung testen", with the messages in the UI's language. */
export async function testProvider(id: string, lang: 'de' | 'en'): Promise<TestReport> {
  return unwrap(await api.POST('/api/v1/sso/providers/{id}/test', { params: { path: { id }, query: { lang } }, ...slow() }));
}

export async function getSsoSettings(signal?: AbortSignal): Promise<SsoSettings> {
  return unwrap(await api.GET('/api/v1/sso/settings', init(signal)));
}

export async function setSsoSettings(settings: SsoSettings): Promise<SsoSettings> {
  return unwrap(await api.PUT('/api/v1/sso/settings', { body: settings, ...init() }));
}

/** The tenant's providers for its sign-in page. */
export async function publicProviders(tenant: string, signal?: AbortSignal): Promise<PublicProviders> {
  return unwrap(await api.GET('/api/v1/public/{tenant}/sso', { params: { path: { tenant } }, ...init(signal) }));
}

/**
 * The email-first sign-in page: the providers serving the address's domain (any
 * tenant). The answer does not depend on whether an account exists.
 */
export async function providersForEmail(email: string, signal?: AbortSignal): Promise<DomainProvider[]> {
  return unwrap(await api.POST('/api/v1/public/sso/lookup', { body: { email }, ...init(signal) })).providers;
}

/** Begins the provider's flow; the caller sends the browser to the answer. */
export async function startSignIn(tenant: string, provider: string): Promise<string> {
  return unwrap(await api.POST('/api/v1/public/{tenant}/sso/{provider}/start', { params: { path: { tenant, provider } }, ...slow() }))
    .authorize_url;
}

/** An invited person accepts by signing in at the provider (its flow starts). */
export async function startInvitationSignIn(tenant: string, provider: string, token: string): Promise<string> {
  return unwrap(
    await api.POST('/api/v1/public/{tenant}/sso/{provider}/invitation', {
      params: { path: { tenant, provider } },
      body: { token },
      ...slow(),
    }),
  ).authorize_url;
}

/** A signed-in member links their account to a provider (its flow starts). */
export async function startLink(provider: string): Promise<string> {
  return unwrap(await api.POST('/api/v1/sso/providers/{id}/link', { params: { path: { id: provider } }, ...slow() })).authorize_url;
}
