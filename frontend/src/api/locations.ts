import { api, requestSignal, unwrap } from './client';
import type { components } from './schema';

export type Location = components['schemas']['LocationView'];

export async function listLocations(signal?: AbortSignal): Promise<Location[]> {
  return unwrap(await api.GET('/api/v1/locations', {
    signal: requestSignal(signal),
    cache: 'no-store',
  })).locations;
}

export async function createLocation(name: string, parentId: string | null): Promise<Location> {
  return unwrap(await api.POST('/api/v1/locations', {
    body: parentId ? { name, parent_id: parentId } : { name },
    signal: requestSignal(),
    cache: 'no-store',
  }));
}
