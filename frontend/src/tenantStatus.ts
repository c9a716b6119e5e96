import type { components } from './api/schema';
import { memoryStore } from './memoryStore';
import { onClientStateCleared } from './session';

/**
 * The signed-in tenant's state as far as the client knows it (TOM DEL-1): a
 * tenant whose contract ends (offboarding) is read-only at once. Fed by the
 * offboarding status (`GET /api/v1/tenant/offboarding`, tenant admins) and by
 * any answer 409 `tenant_read_only` (every role; the API client's middleware
 * reports it). Memory only; a sign-out or tenant switch (`clearClientState`)
 * forgets it. Imports no other app module, so the API client can use it.
 */
export type TenantStatus = 'unknown' | components['schemas']['TenantStatus'];

export interface TenantState {
  readonly status: TenantStatus;
  /** The tenant the state belongs to; null when only a 409 told (the current session's tenant). */
  readonly tenantId: string | null;
  readonly startedAt: string | null;
  readonly archiveUntil: string | null;
  readonly completedAt: string | null;
}

type OffboardingStatus = components['schemas']['OffboardingStatus'];

const UNKNOWN: TenantState = { status: 'unknown', tenantId: null, startedAt: null, archiveUntil: null, completedAt: null };

const store = memoryStore<TenantState>(UNKNOWN);

onClientStateCleared(() => {
  if (store.get() !== UNKNOWN) store.set(UNKNOWN);
});

export const useTenantState = store.useValue;

/** Take over the server's offboarding status of the signed-in tenant. */
export function applyOffboardingStatus(status: OffboardingStatus): void {
  const state = store.get();
  const next: TenantState = {
    status: status.status,
    tenantId: status.tenant_id,
    startedAt: status.started_at ?? null,
    archiveUntil: status.archive_until ?? null,
    completedAt: status.completed_at ?? null,
  };
  if (
    next.status === state.status &&
    next.tenantId === state.tenantId &&
    next.startedAt === state.startedAt &&
    next.archiveUntil === state.archiveUntil &&
    next.completedAt === state.completedAt
  ) {
    return;
  }
  store.set(next);
}

/** A request answered 409 `tenant_read_only`: the session's tenant is read-only (dates unknown unless known already). */
export function reportTenantReadOnly(): void {
  const state = store.get();
  if (state.status === 'read_only' || state.status === 'offboarded') return;
  store.set({ ...state, status: 'read_only' });
}
