import { api, requestSignal, unwrap } from './client';
import type { components } from './schema';

/**
 * Check-in devices (tenant admins) and the card enrolment (admins, organisers);
 * docs/attendance-api.md. The signed device protocol itself is spoken by the
 * NFC agent, never by the web UI.
 */

/** `check_in` or `check_out`: what the device records. */
export type DeviceMode = components['schemas']['AttendanceKind'];
export const DEVICE_MODES: readonly DeviceMode[] = ['check_in', 'check_out'];

export type DeviceSettings = components['schemas']['DeviceSettings'];

/** A device as the list shows it: settings, last heartbeat, agent version (`outdated`), readers, queue. */
export type Device = components['schemas']['DeviceView'];

/** A one-time enrolment code (`ABCD-EFGH`), valid until `expires_at` (UTC). */
export type EnrolmentCode = components['schemas']['EnrolmentCode'];

/** "The next card tapped on `device_id` before `expires_at` belongs to `participant_id`." */
export type CardEnrolmentPending = components['schemas']['CardEnrolmentPending'];

/** Secure cards (NTAG 424 DNA): on once the tenant has card keys; `required` refuses UID-only taps. */
export type SecureCardSettings = components['schemas']['SecureCardSettings'];

/** Limits of the settings (the server checks them too). */
export const MAX_DEVICE_NAME = 100;
export const DUPLICATE_WINDOW_RANGE = { min: 0, max: 3600 } as const;
export const LATE_UPLOAD_RANGE = { min: 10, max: 604_800 } as const;

const init = (signal?: AbortSignal) => ({ signal: requestSignal(signal), cache: 'no-store' as const });
const byId = (id: string, signal?: AbortSignal) => ({ params: { path: { id } }, ...init(signal) });

export async function listDevices(signal?: AbortSignal): Promise<Device[]> {
  return unwrap(await api.GET('/api/v1/devices', init(signal)));
}

/** A code for `anwesend-agent enroll` (15 minutes, once). Throws ApiError (422 invalid_field, 403). */
export async function createEnrolmentCode(name: string, locationId: string | null): Promise<EnrolmentCode> {
  return unwrap(await api.POST('/api/v1/devices/enrolment-codes', {
    body: { name, location_id: locationId },
    ...init(),
  }));
}

/** New settings; the device picks them up with its next heartbeat (TOM DEV-1). Throws ApiError (422, 404). */
export async function updateDevice(id: string, settings: DeviceSettings): Promise<Device> {
  return unwrap(await api.PUT('/api/v1/devices/{id}', { body: settings, ...byId(id) }));
}

/** Revoke a device: its next request fails with 401 `device_revoked`. Throws ApiError (409 already_revoked). */
export async function revokeDevice(id: string): Promise<Device> {
  return unwrap(await api.POST('/api/v1/devices/{id}/revoke', byId(id)));
}

/** "Assign card": the next card tapped on the device within two minutes is bound to the participant. */
export async function startCardEnrolment(deviceId: string, participantId: string): Promise<CardEnrolmentPending> {
  return unwrap(await api.POST('/api/v1/devices/{id}/card-enrolment', {
    body: { participant_id: participantId },
    ...byId(deviceId),
  }));
}

export async function getSecureCards(signal?: AbortSignal): Promise<SecureCardSettings> {
  return unwrap(await api.GET('/api/v1/tenant/secure-cards', init(signal)));
}

/** Turns secure cards on (the tenant's card keys are made at the first save) and sets whether UID-only taps are refused. */
export async function setSecureCards(required: boolean): Promise<SecureCardSettings> {
  return unwrap(await api.PUT('/api/v1/tenant/secure-cards', { body: { required }, ...init() }));
}
