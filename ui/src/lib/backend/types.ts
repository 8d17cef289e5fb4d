// The shapes the UI works with. They are the generated ones, re-exported so that
// components import them from the backend module and never from bindings.ts.
export type {
  AppError,
  AppInfo,
  ChangeEnvironment,
  DatabaseKind,
  Draft,
  DraftId,
  ErrorCode,
  Field,
  FieldIssue,
  Finding,
  HistoryEntry,
  Industry,
  IndustryOption,
  Missing,
  NewDraft,
  Progress,
  Receipt,
  Severity,
  Step,
  StepProgress,
  StepStatus,
  SubmissionState,
} from '../../bindings';

import type {
  AppInfo,
  Draft,
  DraftId,
  DraftView_Serialize,
  Evaluation_Serialize,
  FieldIssue,
  IndustryOption,
  KeyInfo_Serialize,
  NewDraft,
  SubmitResult_Serialize,
  TenantDocument_Serialize,
} from '../../bindings';

// tauri-specta generates two shapes of a type when Rust's serialised form differs
// from what it accepts (fields with defaults are optional on the way in). The UI
// works with what the backend sends, which is also a valid argument on the way back.

/** One client's whole onboarding configuration, as the backend sends it. */
export type TenantDocument = TenantDocument_Serialize;
/** What the policy pack says about a document. */
export type Evaluation = Evaluation_Serialize;
/** A draft as its screen shows it: document, evaluation, progress and history. */
export type DraftView = DraftView_Serialize;
/** What a submission did: `blocked`, `nothingToSubmit` or `submitted` (with a receipt). */
export type SubmitResult = SubmitResult_Serialize;
/** The public half of the signing key; `keyId` is null until the first submission. */
export type KeyInfo = KeyInfo_Serialize;

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
  /** The draft with its document, what the policy pack says about it, and its history. */
  openDraft(id: DraftId): Promise<DraftView>;
  /**
   * Autosave. The backend keeps even a document that breaks rules (a draft is never
   * lost) and answers with the new evaluation and progress.
   */
  saveDraft(id: DraftId, document: TenantDocument): Promise<DraftView>;
  /** Signs the draft as the mirror holds it and queues it; `summary` is for reviewers. */
  submitDraft(id: DraftId, summary: string): Promise<SubmitResult>;
  /** The public half of this machine's signing key (never the private key). */
  signingKey(): Promise<KeyInfo>;
}
