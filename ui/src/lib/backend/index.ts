// The one door to the Rust side. Components import from here, never from
// `@tauri-apps/api` or `bindings.ts` (eslint enforces it).
export type * from './types';
export { BackendError, isAppError, toAppError } from './errors';
export { tauriBackend } from './tauri';
export { latestOnly, type Latest, type LatestOnly } from './latest';
export { backendContext, provideBackend, useBackend } from './context';
