import { api, attachmentName, requestSignal, SLOW_REQUEST_TIMEOUT_MS, unwrap } from './client';
import type { components } from './schema';

/**
 * The tenant's queue of requests about personal data (TOM RIGHTS-2, PRIV-4;
 * tenant admins, permission `subject_requests.manage`) and the restriction of
 * one person (Art. 18 GDPR). Staff cookie session + CSRF.
 */

/** One request; `participant_name` is empty once the person is erased. */
export type SubjectRequest = components['schemas']['SubjectRequestView'];

export type NewSubjectRequest = components['schemas']['NewSubjectRequest'];

export type Restriction = components['schemas']['RestrictionView'];

/** What a person may ask for (Art. 15–21 GDPR), in the order the form offers them. */
export type RequestKind = components['schemas']['RequestKind'];
export const REQUEST_KINDS: readonly RequestKind[] = ['access', 'correction', 'erasure', 'restriction', 'objection'];

/** How staff received a request (the portal files its own). */
export type ReceivedVia = Exclude<components['schemas']['ReceivedVia'], 'portal'>;
export const RECEIVED_VIA: readonly ReceivedVia[] = ['phone', 'letter', 'email', 'in_person'];

/** Longest message the server takes. */
export const MAX_REQUEST_MESSAGE = 2000;

const init = (signal?: AbortSignal) => ({ signal: requestSignal(signal), cache: 'no-store' as const });

/** `GET /api/v1/subject-requests`: open ones first, by due date. */
export async function listSubjectRequests(signal?: AbortSignal): Promise<SubjectRequest[]> {
  return unwrap(await api.GET('/api/v1/subject-requests', init(signal)));
}

/** A request received by phone, letter, mail or in person. Throws ApiError (422 with `field`, 404 person gone). */
export async function createSubjectRequest(input: NewSubjectRequest): Promise<SubjectRequest> {
  return unwrap(await api.POST('/api/v1/subject-requests', { body: input, ...init() }));
}

/**
 * Carries a request out: erasure erases the person (irreversibly), restriction
 * restricts, the others are marked done; the person gets a mail.
 * Throws ApiError (409 `already_handled` / `already_erased`, 404).
 */
export async function executeSubjectRequest(id: string): Promise<SubjectRequest> {
  return unwrap(await api.POST('/api/v1/subject-requests/{id}/execute', {
    params: { path: { id } },
    ...init(),
  }));
}

/** Restricts a person's data (kept, but no bookings, check-ins or mails) or lifts it. */
export async function setRestriction(participantId: string, restricted: boolean): Promise<Restriction> {
  return unwrap(await api.PUT('/api/v1/participants/{id}/restriction', {
    params: { path: { id: participantId } },
    body: { restricted },
    ...init(),
  }));
}

/** Everything stored about one person as a JSON file, to answer an access request (RIGHTS-1). Throws ApiError (409 `restricted`). */
export async function exportParticipantData(participantId: string): Promise<{ blob: Blob; filename: string }> {
  const result = await api.GET('/api/v1/participants/{id}/export', {
    params: { path: { id: participantId } },
    signal: requestSignal(undefined, SLOW_REQUEST_TIMEOUT_MS),
    cache: 'no-store',
    parseAs: 'blob',
  });  return { blob: unwrap(result), filename: attachmentName(result.response) ?? `participant-${participantId}.json` };
}

export type ParticipantCorrection = components['schemas']['ParticipantCorrection'];

/** Corrects name, email and phone (Art. 16 GDPR); returns the names of the fields changed. Throws ApiError (422 with `field`, 409 `email_in_use`). */
export async function correctParticipant(participantId: string, input: ParticipantCorrection): Promise<string[]> {
  return unwrap(await api.PUT('/api/v1/participants/{id}', { params: { path: { id: participantId } }, body: input, ...init() })).changed;
}
