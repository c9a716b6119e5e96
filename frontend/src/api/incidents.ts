import { api, attachmentName, requestSignal, unwrap } from './client';
import type { components } from './schema';

/**
 * The incident register (TOM BREACH-1, BREACH-2; issue 20): platform admins open
 * incidents, compute their scope, edit and send each tenant's notification and add
 * follow-ups; tenant admins read and acknowledge theirs on "Vorfälle".
 */

export type IncidentSummary = components['schemas']['IncidentSummary'];
export type IncidentView = components['schemas']['IncidentView'];
export type NewIncident = components['schemas']['NewIncident'];
export type ScopeInput = components['schemas']['ScopeInput'];
export type ScopeResult = components['schemas']['ScopeResult'];
export type NoticeView = components['schemas']['NoticeView'];
export type NoticeEdit = components['schemas']['NoticeEdit'];
export type TenantNotice = components['schemas']['TenantNotice'];
export type TimelineEntry = components['schemas']['TimelineEntry'];

const init = (signal?: AbortSignal) => ({ signal: requestSignal(signal), cache: 'no-store' as const });

export async function listIncidents(signal?: AbortSignal): Promise<IncidentSummary[]> {
  return unwrap(await api.GET('/api/v1/platform/incidents', init(signal)));
}

/** The affected tenants and numbers of a scope; writes nothing. */
export async function previewScope(body: ScopeInput): Promise<ScopeResult> {
  return unwrap(await api.POST('/api/v1/platform/incidents/scope', { body, ...init() }));
}

export async function openIncident(body: NewIncident): Promise<IncidentView> {
  return unwrap(await api.POST('/api/v1/platform/incidents', { body, ...init() }));
}

export async function getIncident(id: string, signal?: AbortSignal): Promise<IncidentView> {
  return unwrap(await api.GET('/api/v1/platform/incidents/{id}', { params: { path: { id } }, ...init(signal) }));
}

export async function editNotice(id: string, tenant: string, body: NoticeEdit): Promise<IncidentView> {
  return unwrap(await api.PUT('/api/v1/platform/incidents/{id}/notices/{tenant}', { params: { path: { id, tenant } }, body, ...init() }));
}

export async function sendNotice(id: string, tenant: string): Promise<IncidentView> {
  return unwrap(await api.POST('/api/v1/platform/incidents/{id}/notices/{tenant}/send', { params: { path: { id, tenant } }, ...init() }));
}

export async function addUpdate(id: string, textDe: string, textEn: string, close: boolean): Promise<IncidentView> {
  return unwrap(
    await api.POST('/api/v1/platform/incidents/{id}/updates', {
      params: { path: { id } },
      body: { text_de: textDe, text_en: textEn, close },
      ...init(),
    }),
  );
}

/** The signed JSON export. */
export async function exportIncident(id: string): Promise<{ blob: Blob; filename: string }> {
  const result = await api.GET('/api/v1/platform/incidents/{id}/export', {
    params: { path: { id } },
    signal: requestSignal(undefined),
    cache: 'no-store',
    parseAs: 'blob',
  });
  return { blob: unwrap(result), filename: attachmentName(result.response) ?? 'incident.json' };
}

/** The tenant's notifications ("Vorfälle"; tenant and partner admins). */
export async function tenantIncidents(signal?: AbortSignal): Promise<TenantNotice[]> {
  return unwrap(await api.GET('/api/v1/incidents', init(signal)));
}

export async function acknowledgeNotice(id: string): Promise<TenantNotice[]> {
  return unwrap(await api.POST('/api/v1/incidents/{id}/acknowledge', { params: { path: { id } }, ...init() }));
}
