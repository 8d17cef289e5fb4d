import type { AppError, ErrorCode, FieldIssue } from './types';

// A record, so that the type check fails when the Rust side adds a code and this list
// does not follow (an unlisted code would turn a real message into a generic one).
const KNOWN_CODES: Record<ErrorCode, true> = {
  invalid_input: true,
  not_found: true,
  conflict: true,
  keyring: true,
  offline: true,
  not_registered: true,
  server: true,
  storage: true,
  internal: true,
};
const ERROR_CODES = Object.keys(KNOWN_CODES);

/** A failed backend call. `appError` is what the UI shows; it is always well formed. */
export class BackendError extends Error {
  readonly appError: AppError;

  constructor(appError: AppError, options?: { cause?: unknown }) {
    super(appError.message, options);
    this.name = 'BackendError';
    this.appError = appError;
  }
}

function isFieldIssue(value: unknown): value is FieldIssue {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.field === 'string' && typeof v.message === 'string';
}

/** Whether a value that crossed the IPC edge has the `AppError` shape. */
export function isAppError(value: unknown): value is AppError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.code === 'string' &&
    ERROR_CODES.includes(v.code) &&
    typeof v.message === 'string' &&
    v.message.trim() !== '' &&
    Array.isArray(v.fields) &&
    v.fields.every(isFieldIssue)
  );
}

/**
 * Turns whatever a failed call produced into an `AppError`.
 *
 * The Rust side always answers with an `AppError`; anything else means the call
 * never reached a command (the IPC bridge is missing, a command is not registered,
 * arguments did not deserialise). The user then gets a message that says what could
 * not be done, never "unknown error", and the raw detail goes to the console.
 */
export function toAppError(failure: unknown, action: string): AppError {
  if (failure instanceof BackendError) return failure.appError;
  if (isAppError(failure)) return failure;
  console.error(`Tenantry backend call failed while trying to ${action}:`, failure);
  return {
    code: 'internal',
    message: `Tenantry could not ${action}: the app's backend did not answer as expected. Try again; if it keeps happening, restart Tenantry.`,
    fields: [],
  };
}
