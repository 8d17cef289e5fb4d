import { getContext, setContext } from 'svelte';
import type { SyncStore } from './store.svelte';

const KEY = Symbol('tenantry.sync');

/** Makes the app's sync state available to every component below the caller. */
export function provideSync(store: SyncStore): void {
  setContext(KEY, store);
}

/** The sync state provided by an ancestor (the app root, or a test). */
export function useSync(): SyncStore {
  const store = getContext<SyncStore | undefined>(KEY);
  if (!store) throw new Error('No sync state provided: wrap the component in the app root.');
  return store;
}

/** A context map holding `store`, for `mount(…, { context })` in tests. */
export function syncContext(store: SyncStore): Map<symbol, SyncStore> {
  return new Map([[KEY, store]]);
}

/** The sync state when an ancestor provides one: for screens that also work alone. */
export function useSyncIfProvided(): SyncStore | undefined {
  return getContext<SyncStore | undefined>(KEY);
}
