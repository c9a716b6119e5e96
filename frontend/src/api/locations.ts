import { api, apiError, requestSignal } from './client';
import type { components } from './schema';

export type Location = components['schemas']['LocationView'];

export async function listLocations(signal?: AbortSignal): Promise<Location[]> {
  const { data, error, response } = await api.GET('/api/v1/locations', {
    signal: requestSignal(signal),
    cache: 'no-store',
  });
  if (data) return data.locations;
  throw apiError(response, error);
}

export async function createLocation(name: string, parentId: string | null): Promise<Location> {
  const { data, error, response } = await api.POST('/api/v1/locations', {
    body: parentId ? { name, parent_id: parentId } : { name },
    signal: requestSignal(),
    cache: 'no-store',
  });
  if (data) return data;
  throw apiError(response, error);
}
