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
  FieldChoice,
  FieldIssue,
  FieldSide,
  Finding,
  HistoryEntry,
  Industry,
  IndustryOption,
  Missing,
  NewDraft,
  Progress,
  Receipt,
  ServerSource,
  Severity,
  StaffRole,
  Step,
  StepProgress,
  StepStatus,
  SubmissionState,
  SyncPhase,
  ChoiceOption,
  ComplianceMode,
  ProgressFilter,
  EditValue,
  Justification,
  StepState,
  ExportedFile,
  HandoffFormat,
  ImagePreview,
  KeyRole,
  ApprovalDone,
  Verdict,
  FieldCommentInput,
  ReplacedChangeset,
  PromotionTarget,
  AuditOutcome,
} from '../../bindings';

import type {
  AppInfo,
  ConflictField_Serialize,
  ConflictView_Serialize,
  Draft,
  DraftId,
  DraftView_Serialize,
  Evaluation_Serialize,
  FieldChoice,
  FieldIssue,
  HeldView_Serialize,
  IndustryOption,
  KeyInfo_Serialize,
  NewDraft,
  Resolved_Serialize,
  StaffRole,
  SubmitResult_Serialize,
  SyncOutcome_Serialize,
  SyncProgress_Serialize,
  SyncView_Serialize,
  TenantDocument_Serialize,
  WizardView_Serialize,
  Wizard_Serialize,
  StepForm_Serialize,
  FieldGroup_Serialize,
  FormField_Serialize,
  FieldInput_Serialize,
  RecordItem_Serialize,
  StepFinding_Serialize,
  StepMissing_Serialize,
  Edit_Deserialize,
  Step,
  Plan_Serialize,
  PlanStep_Serialize,
  PlanChange_Serialize,
  PlanFinding_Serialize,
  TenantFilter_Serialize,
  TenantPage_Serialize,
  TenantSummary_Serialize,
  ExportedFile,
  HandoffFormat,
  ImagePreview,
  ReviewEntry_Serialize,
  ReviewRequirement_Serialize,
  ApprovalDone,
  ReviewNote_Serialize,
  FieldComment_Serialize,
  ChangeRequest_Serialize,
  FieldCommentInput,
  GoLiveView_Serialize,
  PromoteResult_Serialize,
  StageView_Serialize,
  ChecklistItem_Serialize,
  EvidenceView_Serialize,
  PromotionTarget,
  AuditEntry_Serialize,
  AuditFilter_Serialize,
  AuditPage_Serialize,
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
 * The sync state: which server (and where that choice comes from), whether this
 * person's key is registered with it, whether it answered just now, the outbox, the
 * change sets it refused, the conflicts, the last sync and the sync running now.
 */
export type SyncView = SyncView_Serialize;
/** A change set held back from the chain: refused by the server, or in conflict. */
export type HeldView = HeldView_Serialize;
/** How far the running sync is: `total` is null while it is not known yet. */
export type SyncProgress = SyncProgress_Serialize;
/** What one sync did (`sent`, `received`, `rejected`) and the state after it. */
export type SyncOutcome = SyncOutcome_Serialize;
/**
 * A change set of yours held back because someone else changed the same fields first:
 * `changeset` is its hash (what `resolveConflict` names), `tenant` the tenant's slug.
 */
export type ConflictView = ConflictView_Serialize;
/**
 * One conflicting field, in words: `label` is the path for people, `stepTitle` the
 * onboarding step it belongs to, and `base` (what it was), `theirs` (on the server now)
 * and `mine` (what your change puts there) are display strings, never markup.
 */
export type ConflictField = ConflictField_Serialize;
/** What a resolution did: the resolved change set's hash (null when nothing was left) and the state after it. */
export type Resolved = Resolved_Serialize;
/**
 * A change set waiting for approval on the server: whose, what it changes (`summary`,
 * null until this mirror pulled it), the approval rules it must satisfy and how many
 * approvals it has. `mine`: this person authored it and cannot approve it.
 */
export type ReviewEntry = ReviewEntry_Serialize;
/** One approval rule of a change set, in the rule's words, with approvals needed and had. */
export type ReviewRequirement = ReviewRequirement_Serialize;
/**
 * One reviewer's verdict on a change set, with who and when: an approval's comment, or a
 * request for changes (an overall comment and comments on fields). Text as typed: never markup.
 */
export type ReviewNote = ReviewNote_Serialize;
/** A comment on one field: `label` (and `step`, the wizard step's id) worked out by the backend. */
export type FieldComment = FieldComment_Serialize;
/** A request for changes on one of this person's change sets; `draftId` is the tenant's draft here, if any. */
export type ChangeRequest = ChangeRequest_Serialize;
// The go-live shapes are named by their union, not their `_Serialize` half: they are
// hand-written until bindings.ts is regenerated, and the union's name exists whether
// or not specta splits them in two.
/**
 * Where a tenant stands on its way to production: draft, staging and production (each
 * with its newest signed change set), the go-live checklist of `checklistOf`'s
 * configuration with its evidence, the findings that block production, and which
 * promotions the backend would sign now.
 */
export type GoLiveView = GoLiveView_Serialize;
export type StageView = StageView_Serialize;
export type ChecklistItem = ChecklistItem_Serialize;
export type EvidenceView = EvidenceView_Serialize;
/** What a promotion did: `submitted` (with a receipt), `nothingToPromote` or `blocked` (with the findings). */
export type PromoteResult = PromoteResult_Serialize;
/**
 * One record of this machine's audit log: when, who (`actor`, a key id, null before the
 * machine had a key), what (`action`, `title` in words), which tenant, what it acted on
 * (`subject`), the outcome, what happened (`detail`, may be empty) and the rules involved.
 * All of it is text to show, never markup.
 */
export type AuditEntry = AuditEntry_Serialize;
/** One page of the audit log, newest first; `nextBefore` is what `auditLog` takes for the older ones. */
export type AuditPage = AuditPage_Serialize;
/** The filters the Audit screen sends: every one present, `null` when not set. */
export type AuditFilter = AuditFilter_Serialize;


/** A draft at one step of the onboarding wizard: the draft, the stepper and the step's form. */
export type WizardView = WizardView_Serialize;
/** The twelve steps' states, the form of one step, and the staging / production gates. */
export type Wizard = Wizard_Serialize;
/** One step's form: purpose, field groups, findings with the field each is about, what is left. */
export type StepForm = StepForm_Serialize;
export type FieldGroup = FieldGroup_Serialize;
/** One input, with its JSON pointer, label, help, kind and value, and the findings on it. */
export type FormField = FormField_Serialize;
/** The kind of a field (`input.kind`) with its value and options. */
export type FieldInput = FieldInput_Serialize;
export type RecordItem = RecordItem_Serialize;
export type StepFinding = StepFinding_Serialize;
export type StepMissing = StepMissing_Serialize;
/**
 * An edit of the draft by JSON pointer: `set` a field's value (`null` for an optional
 * answer left empty), `add` a record to a list, `remove` a record.
 */
export type Edit = Edit_Deserialize;

/**
 * What submitting a draft would sign: every changed field grouped by step (before and
 * after as display text, `null` for absent), the findings with their justifications,
 * the counts and whether it can be submitted. All of it is the backend's verdict.
 */
export type Plan = Plan_Serialize;
/** One step's part of a plan, in the process's order. */
export type PlanStep = PlanStep_Serialize;
/** One changed field: `label` in words, `before` / `after` as text (never markup), `null` when absent. */
export type PlanChange = PlanChange_Serialize;
/** A finding with the justification the draft gives for it, if any. */
export type PlanFinding = PlanFinding_Serialize;
/** What the tenant list is asked for; every field narrows it (`limit` 1 to 500). */
export type TenantFilter = TenantFilter_Serialize;
/** One page of the tenant list and how many tenants match in all. */
export type TenantPage = TenantPage_Serialize;
/** One row of the tenant list. */
export type TenantSummary = TenantSummary_Serialize;

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
  /** The wizard at `step` for the draft as the mirror holds it. */
  wizardStep(id: DraftId, step: Step): Promise<WizardView>;
  /**
   * Applies `edits` in order, autosaves the draft and answers with the wizard at `step`.
   * A refused edit (`invalid_input`, the message naming the field) saves nothing.
   */
  editDraft(id: DraftId, step: Step, edits: Edit[]): Promise<WizardView>;
  /** Signs the draft as the mirror holds it and queues it; `summary` is for reviewers. */
  submitDraft(id: DraftId, summary: string): Promise<SubmitResult>;
  /** The public half of this machine's signing key (never the private key). */
  signingKey(): Promise<KeyInfo>;
  /**
   * The sync state. Asks the server whether it is up, so it can take a moment; with no
   * server set it answers at once (`online: false`).
   */
  syncStatus(): Promise<SyncView>;
  /**
   * Chooses the platform server, or with `null` none. The backend checks the URL
   * (`invalid_input` when refused, nothing changed) and refuses any change while the
   * server comes from the environment.
   */
  setServerUrl(url: string | null): Promise<SyncView>;
  /**
   * Registers this person's public key with the server (the private key never leaves
   * the keyring). An admin must approve it on the server before a sync works.
   */
  registerKey(name: string, role: StaffRole): Promise<SyncView>;
  /**
   * Pull, push, pull. Fails with `offline` (changes stay in the outbox),
   * `not_registered`, `server`, `keyring`, or `invalid_input` (no server set).
   */
  syncNow(): Promise<SyncOutcome>;
  /** Your change sets held because someone else changed the same fields first (none without a server). */
  listConflicts(): Promise<ConflictView[]>;
  /**
   * Settles one conflict with a side per conflicting field: signs what is left on top
   * of the server's version and queues it (`queued` is its hash), or, when theirs won
   * every field, forgets the change (`queued: null`). The backend refuses
   * (`invalid_input`) unless every conflicting field has exactly one side.
   */
  resolveConflict(changeset: string, choices: FieldChoice[]): Promise<Resolved>;
  /**
   * The change sets waiting for approval on the server, oldest first. Fails with
   * `invalid_input` (no server set), `not_registered`, `offline` or `server`.
   */
  reviewQueue(): Promise<ReviewEntry[]>;
  /**
   * Approves a change set with this person's key (a co-signature over the bytes the
   * author signed), with a comment (`""`: none). The server refuses it (`server`) unless
   * this person's role allows; their own change set is `invalid_input`.
   */
  approveChangeset(hash: string, comment: string): Promise<ApprovalDone>;
  /**
   * Asks the author for changes: an overall comment and comments on fields (by JSON
   * pointer), answered with the review as stored. A refusal (nothing to say, a reviewer
   * who gave another verdict already, a replaced change set, the author themself)
   * rejects with the backend's message, and nothing is stored.
   */
  requestChanges(hash: string, comment: string, fields: FieldCommentInput[]): Promise<ReviewNote>;
  /**
   * What a change set waiting for review changes: its environment's document before →
   * after, by step, with the policy results and the justifications signed with it.
   * `null` until this mirror pulled it.
   */
  reviewChanges(tenant: string, hash: string): Promise<Plan | null>;
  /** Forgets a change set the server refused, once its author has read why. Cannot be undone. */
  dismissRejection(hash: string): Promise<SyncView>;
  /**
   * Every change the draft's submission would sign, grouped by step, with the findings
   * and justifications, and whether it may be signed. Reads only; signs nothing.
   */
  planDraft(id: DraftId): Promise<Plan>;
  /**
   * One page of the tenants matching `filter` (by name), with how many match in all.
   * A bad filter is `invalid_input`.
   */
  listTenants(filter: TenantFilter): Promise<TenantPage>;
  /**
   * Opens the native open dialog; the Rust side reads and checks the chosen tenant
   * document (JSON, TOML or YAML) and replaces the draft's document with it, answering
   * with the wizard at `step`. `null`: the dialog was cancelled, nothing changed. A
   * refused file is `invalid_input` with a message naming the file and the problem.
   */
  importDocument(id: DraftId, step: Step): Promise<WizardView | null>;
  /** Opens the native save dialog and writes the draft's document there; `null`: cancelled. */
  exportDocument(id: DraftId): Promise<ExportedFile | null>;
  /**
   * Builds the client handoff document of a tenant (id or slug) from what was signed and
   * saves it in `format` through the native save dialog; `null`: cancelled. A tenant that
   * cannot be documented is `invalid_input` saying why, before any dialog opens.
   */
  exportHandoff(tenant: string, format: HandoffFormat): Promise<ExportedFile | null>;
  /**
   * Opens the native open dialog for the image field at `path`; the Rust side checks the
   * file (PNG, JPEG or WebP by content, size), keeps it and sets the field to its
   * `asset://sha256/…` reference. `null`: cancelled. A refused file is `invalid_input`.
   */
  chooseImage(id: DraftId, step: Step, path: string): Promise<WizardView | null>;
  /**
   * Opens the native open dialog for the attached-output field at `path` (a go-live
   * checklist item); the Rust side reads the file and sets the field to its SHA-256.
   * `null`: cancelled. A refused file (empty, a folder, over 64 MiB) is `invalid_input`.
   */
  attachOutput(id: DraftId, step: Step, path: string): Promise<WizardView | null>;
  /** The bytes of an `asset://sha256/…` image the mirror holds, for a preview; `null` otherwise. */
  imagePreview(reference: string): Promise<ImagePreview | null>;
  /**
   * Where a tenant (id or slug) stands on its way to production. Reads only. An
   * unknown tenant is `not_found`.
   */
  goLive(tenant: string): Promise<GoLiveView>;
  /**
   * Signs a change set whose result is exactly the environment before `target` (the
   * signed draft for staging, staging for production) and queues it; the server checks
   * approvals, the checklist and staging first at the next sync. `summary` is for
   * reviewers. Answers with the go-live view after it, whatever the outcome.
   */
  promoteTenant(tenant: string, target: PromotionTarget, summary: string): Promise<PromoteResult>;
  /**
   * This machine's audit log, newest first, 50 records a page: the records matching
   * `filter` (every field set narrows it; the matching is the backend's), older than the
   * record `before` when given (a page's `nextBefore`). A bad date is `invalid_input`
   * naming the field.
   */
  auditLog(filter: AuditFilter, before: number | null): Promise<AuditPage>;
}
