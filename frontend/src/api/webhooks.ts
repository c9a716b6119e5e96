import { api, requestSignal, unwrap, expectOk } from './client';
import type { components } from './schema';

/**
 * Webhooks and Microsoft Teams (TOM TRANS-2, TRANS-6; tenant admins,
 * `webhooks.manage`): endpoints, their events and personal fields, the signing
 * secret (shown once), and each endpoint's deliveries with their status.
 */

export type EndpointView = components['schemas']['EndpointView'];
export type EndpointInput = components['schemas']['EndpointInput'];
export type EndpointList = components['schemas']['EndpointList'];
export type EndpointSaved = components['schemas']['EndpointSaved'];
export type DeliveryView = components['schemas']['DeliveryView'];
export type WebhookEvent = components['schemas']['WebhookEvent'];
export type PersonalField = components['schemas']['PersonalField'];

const init = (signal?: AbortSignal) => ({ signal: requestSignal(signal), cache: 'no-store' as const });

export async function listEndpoints(signal?: AbortSignal): Promise<EndpointList> {
  return unwrap(await api.GET('/api/v1/webhooks', init(signal)));
}

export async function createEndpoint(input: EndpointInput): Promise<EndpointSaved> {
  return unwrap(await api.POST('/api/v1/webhooks', { body: input, ...init() }));
}

export async function updateEndpoint(id: string, input: EndpointInput): Promise<EndpointView> {
  return unwrap(await api.PUT('/api/v1/webhooks/{id}', { params: { path: { id } }, body: input, ...init() }));
}

export async function deleteEndpoint(id: string): Promise<void> {
  expectOk(await api.POST('/api/v1/webhooks/{id}/delete', { params: { path: { id } }, ...init() }));
}

export async function rotateSecret(id: string): Promise<EndpointSaved> {
  return unwrap(await api.POST('/api/v1/webhooks/{id}/secret', { params: { path: { id } }, ...init() }));
}

export async function listDeliveries(id: string, signal?: AbortSignal): Promise<DeliveryView[]> {
  return unwrap(await api.GET('/api/v1/webhooks/{id}/deliveries', { params: { path: { id } }, ...init(signal) })).deliveries;
}
