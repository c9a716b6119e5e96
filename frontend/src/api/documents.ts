import { api, attachmentName, requestSignal, unwrap } from './client';

/**
 * Signed documents (issue 21): a session's attendance list and a participant's
 * certificate of attendance as PDF, signed by the platform key (ECDSA P-256)
 * over their canonical JSON and the PDF's bytes; and their check in the
 * browser (WebCrypto) against the platform's published keys.
 */

export type DocumentLanguage = 'de' | 'en';

/** The session's attendance list as signed PDF (staff; the session cookie). */
export function attendanceListPdfUrl(sessionId: string): string {
  return `/api/v1/event-sessions/${encodeURIComponent(sessionId)}/attendance-list.pdf`;
}

/** A participant's certificate of attendance for an event as signed PDF (staff). */
export function certificatePdfUrl(eventId: string, participantId: string, lang: DocumentLanguage): string {
  return `/api/v1/events/${encodeURIComponent(eventId)}/participants/${encodeURIComponent(participantId)}/certificate.pdf?lang=${lang}`;
}

/** The participant's own certificate (portal; the Bearer token), as a file. */
export async function downloadPortalCertificate(
  token: string,
  eventId: string,
  lang: DocumentLanguage,
): Promise<{ blob: Blob; filename: string }> {
  const result = await api.GET('/api/v1/portal/events/{id}/certificate.pdf', {
    params: { path: { id: eventId }, query: { lang } },
    headers: { Authorization: `Bearer ${token}` },
    credentials: 'omit',
    cache: 'no-store',
    signal: requestSignal(undefined, 30_000),
    parseAs: 'blob',
  });
  return { blob: unwrap(result) as unknown as Blob, filename: attachmentName(result.response) ?? `certificate-${lang}.pdf` };
}

/** A platform verification key as `GET /api/v1/platform/keys` lists it. */
export interface PlatformKey {
  key_id: string;
  algorithm: string;
  public_key_hex: string;
}

export async function platformKeys(signal?: AbortSignal): Promise<PlatformKey[]> {
  return unwrap(await api.GET('/api/v1/platform/keys', { signal: requestSignal(signal) })).keys;
}

/** Why a file was refused. */
export type VerifyFailure = 'not_a_document' | 'changed' | 'unknown_key';

export type VerifyResult =
  | { ok: true; document: Record<string, unknown>; keyId: string; code: string }
  | { ok: false; reason: VerifyFailure };

const MARKER = '%anwesend-document ';
const DOCUMENT_HEAD = '{"document":';
const SIGNATURE_HEAD = ',"signature":';
const ALGORITHM = 'ECDSA-P256-SHA256';
const FORMAT = 'anwesend-document/1';

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
}

function fromHex(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^(?:[0-9a-f]{2})+$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** The start of the signature line: after the last newline followed by the marker. */
function lineStart(bytes: Uint8Array): number {
  const marker = new TextEncoder().encode(`\n${MARKER}`);
  outer: for (let i = bytes.length - marker.length; i >= 0; i -= 1) {
    for (let j = 0; j < marker.length; j += 1) {
      if (bytes[i + j] !== marker[j]) continue outer;
    }
    return i + 1;
  }
  return -1;
}

/** The verification code printed on the pages: SHA-256 of the canonical JSON, first 12 hex digits. */
async function codeOf(canonical: string): Promise<string> {
  const digest = hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical))).toUpperCase();
  return [digest.slice(0, 4), digest.slice(4, 8), digest.slice(8, 12)].join('-');
}

/**
 * Checks a signed PDF as `anwesend document verify` does: the signature line after
 * `%%EOF` in its one form, the signature over `canonical JSON + "\n" + hex(SHA-256 of
 * the PDF before the line)` by one of `keys`. Nothing is sent anywhere.
 */
export async function verifyDocument(file: Uint8Array<ArrayBuffer>, keys: readonly PlatformKey[]): Promise<VerifyResult> {
  const start = lineStart(file);
  if (start < 0) return { ok: false, reason: 'not_a_document' };
  const body = file.slice(0, start);
  const line = file.slice(start + MARKER.length);
  if (line.length < 2 || line[line.length - 1] !== 0x0a) return { ok: false, reason: 'not_a_document' };
  const encoded = new TextDecoder('ascii').decode(line.slice(0, line.length - 1));
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return { ok: false, reason: 'changed' };
  let text: string;
  try {
    const binary = atob(encoded);
    if (btoa(binary) !== encoded) return { ok: false, reason: 'changed' };
    text = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return { ok: false, reason: 'changed' };
  }
  const at = text.lastIndexOf(SIGNATURE_HEAD);
  if (!text.startsWith(DOCUMENT_HEAD) || at < 0 || !text.endsWith('}')) return { ok: false, reason: 'changed' };
  const canonical = text.slice(DOCUMENT_HEAD.length, at);
  let document: Record<string, unknown>;
  let signature: Record<string, unknown>;
  try {
    document = JSON.parse(canonical) as Record<string, unknown>;
    signature = JSON.parse(text.slice(at + SIGNATURE_HEAD.length, -1)) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: 'changed' };
  }
  if (document.format !== FORMAT) return { ok: false, reason: 'not_a_document' };
  const { algorithm, key_id: keyId, public_key: publicKey, value } = signature;
  if (typeof keyId !== 'string' || typeof publicKey !== 'string' || typeof value !== 'string' || algorithm !== ALGORITHM) {
    return { ok: false, reason: 'changed' };
  }
  // The signature object in its one (canonical) spelling: sorted keys, no spaces.
  if (JSON.stringify({ algorithm, key_id: keyId, public_key: publicKey, value }) !== text.slice(at + SIGNATURE_HEAD.length, -1)) {
    return { ok: false, reason: 'changed' };
  }
  const key = keys.find((k) => k.key_id === keyId);
  if (!key || key.public_key_hex !== publicKey) return { ok: false, reason: 'unknown_key' };
  const point = fromHex(publicKey);
  const raw = fromHex(value);
  if (!point || !raw || raw.length !== 64) return { ok: false, reason: 'changed' };
  const bodyHash = hex(await crypto.subtle.digest('SHA-256', body));
  const message = new TextEncoder().encode(`${canonical}\n${bodyHash}`);
  try {
    const imported = await crypto.subtle.importKey('raw', point, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    const good = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, imported, raw, message);
    if (!good) return { ok: false, reason: 'changed' };
  } catch {
    return { ok: false, reason: 'changed' };
  }
  return { ok: true, document, keyId, code: await codeOf(canonical) };
}
