import { api, requestSignal, unwrap } from './client';
import type { components } from './schema';

/** The start page of a signed-in staff member (`GET /api/v1/home`, issue 23). */
export type Home = components['schemas']['Home'];
export type HomeSession = components['schemas']['HomeSession'];

export async function getHome(signal?: AbortSignal): Promise<Home> {
  return unwrap(await api.GET('/api/v1/home', { signal: requestSignal(signal), cache: 'no-store' }));
}
