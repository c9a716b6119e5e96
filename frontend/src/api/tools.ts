import { api, requestSignal, unwrap } from './client';
import type { components } from './schema';

/**
 * CSV import of participants into an event (`events.write`) and the tenant's mail
 * texts (`booking_settings.write`, tenant admins); issue 23, docs/events-api.md.
 */

export type ImportMapping = components['schemas']['ImportMapping'];
export type ImportPreview = components['schemas']['ImportPreview'];
export type ImportPreviewRow = components['schemas']['PreviewRow'];
export type ImportResult = components['schemas']['ImportResult'];
export type MailTemplate = components['schemas']['MailTemplateView'];
export type MailKind = components['schemas']['MailKind'];
export type MailPreview = components['schemas']['MailPreview'];

export const MAIL_KINDS: readonly MailKind[] = [
  'booking_confirmed',
  'booking_waiting',
  'booking_cancelled',
  'sign_in_link',
  'invitation',
  'password_reset',
];

/** The server's limit of a file (decoded); larger files are refused here first. */
export const IMPORT_MAX_BYTES = 512 * 1024;

const init = (signal?: AbortSignal) => ({ signal: requestSignal(signal), cache: 'no-store' as const });

/** The file's bytes as base64 (chunked: a class list fits, a large file does not blow the stack). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export interface ImportInput {
  file_base64: string;
  mapping?: ImportMapping | null;
  skip_invalid?: boolean;
  send_mails?: boolean;
}

/** Throws ApiError (413 body_too_large, 422 invalid_field with `field`, 404). */
export async function previewImport(eventId: string, input: ImportInput): Promise<ImportPreview> {
  return unwrap(await api.POST('/api/v1/events/{id}/import/preview', { params: { path: { id: eventId } }, body: input, ...init() }));
}

/** Throws ApiError (422 when a row has an error and `skip_invalid` is off; nothing is written then). */
export async function runImport(eventId: string, input: ImportInput): Promise<ImportResult> {
  return unwrap(await api.POST('/api/v1/events/{id}/import', { params: { path: { id: eventId } }, body: input, ...init() }));
}

export async function listMailTemplates(signal?: AbortSignal): Promise<MailTemplate[]> {
  return unwrap(await api.GET('/api/v1/tenant/mail-templates', init(signal)));
}

const path = (kind: MailKind, language: string) => ({ params: { path: { kind, language } } });

/** Throws ApiError (422 invalid_field with `field` `subject` / `body`). */
export async function saveMailTemplate(kind: MailKind, language: string, subject: string, body: string): Promise<MailTemplate> {
  return unwrap(await api.PUT('/api/v1/tenant/mail-templates/{kind}/{language}', { ...path(kind, language), body: { subject, body }, ...init() }));
}

export async function resetMailTemplate(kind: MailKind, language: string): Promise<MailTemplate> {
  return unwrap(await api.POST('/api/v1/tenant/mail-templates/{kind}/{language}/reset', { ...path(kind, language), ...init() }));
}

export async function previewMailTemplate(kind: MailKind, language: string, subject: string, body: string): Promise<MailPreview> {
  return unwrap(
    await api.POST('/api/v1/tenant/mail-templates/{kind}/{language}/preview', { ...path(kind, language), body: { subject, body }, ...init() }),
  );
}
