// The shapes the UI works with. They are the generated ones, re-exported so that
// components import them from the backend module and never from bindings.ts.
export type {
  AppError,
  AppInfo,
  DatabaseKind,
  Draft,
  ErrorCode,
  Field,
  FieldIssue,
  Industry,
  IndustryOption,
  NewDraft,
} from '../../bindings';

import type { AppInfo, Draft, FieldIssue, IndustryOption, NewDraft } from '../../bindings';

/**
 * Everything the UI can ask of the Rust side. Every method either resolves with
 * its value or rejects with a `BackendError` carrying a typed `AppError`.
 *
 * The UI holds no rules of its own: whether a name is acceptable, and which
 * industries exist, is always the backend's answer.
 */
export interface Backend {
  appInfo(): Promise<AppInfo>;
  industries(): Promise<IndustryOption[]>;
  /** The issues the core finds in the input; empty when it is acceptable. */
  validateNewDraft(input: NewDraft): Promise<FieldIssue[]>;
  createDraft(input: NewDraft): Promise<Draft>;
  /** Newest first. */
  listDrafts(): Promise<Draft[]>;
}
