import { getContext, setContext } from 'svelte';
import type { Backend } from './types';

const KEY = Symbol('tenantry.backend');

/** Makes `backend` available to every component below the caller. */
export function provideBackend(backend: Backend): void {
  setContext(KEY, backend);
}

/** The backend provided by an ancestor (the app root, or a test). */
export function useBackend(): Backend {
  const backend = getContext<Backend | undefined>(KEY);
  if (!backend) throw new Error('No backend provided: wrap the component in the app root.');
  return backend;
}

/** A context map holding `backend`, for `mount(…, { context })` in tests. */
export function backendContext(backend: Backend): Map<symbol, Backend> {
  return new Map([[KEY, backend]]);
}
