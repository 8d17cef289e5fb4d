import {
  BackendError,
  type AppError,
  type AuditEntry,
  type AuditFilter,
  type Backend,
  type ChangeRequest,
  type FieldCommentInput,
  type ConflictField,
  type ConflictView,
  type Draft,
  type DraftId,
  type DraftView,
  type Evaluation,
  type FieldChoice,
  type FieldIssue,
  type Finding,
  type GoLiveView,
  type HeldView,
  type HistoryEntry,
  type Industry,
  type IndustryOption,
  type KeyInfo,
  type Missing,
  type NewDraft,
  type Plan,
  type Progress,
  type PromotionTarget,
  type Resolved,
  type ReviewEntry,
  type ReviewNote,
  type ServerSource,
  type StaffRole,
  type Step,
  type SyncView,
  type TenantDocument,
  type TenantFilter,
  type TenantSummary,
} from '../lib/backend';
import { fakeGoLiveModel, type GoLiveState } from './fake-golive.js';
import { fakeAuditEntries, fakeAuditPage, fakePlan, fakeTenantPage, fakeTenants } from './fake-lists.js';
import { fakeWizardModel } from './fake-wizard.js';

export { fakeAuditEntries, fakeTenants };

const wizardModel = fakeWizardModel();
const goLiveModel = fakeGoLiveModel();

export const INDUSTRIES: IndustryOption[] = [
  { id: 'healthcare', label: 'Healthcare' },
  { id: 'financial_services', label: 'Financial services' },
];

export function draft(overrides: Partial<Draft> = {}): Draft {
  return {
    id: '01937b6e-4f1a-7c3d-9a2b-5e6f7a8b9c0d',
    clientName: 'Acme Health',
    industry: 'healthcare',
    industryLabel: 'Healthcare',
    slug: 'acme-health',
    submission: 'notSubmitted',
    createdAt: '2026-11-24T09:15:00Z',
    updatedAt: '2026-11-24T09:15:00Z',
    ...overrides,
  };
}

/**
 * The twelve steps with titles of the fake's own. Test data only: the UI shows the
 * titles the backend sends and never keeps a copy.
 */
export const FAKE_STEPS: readonly { step: Step; title: string }[] = [
  { step: 'classification', title: 'Classify the client (fake)' },
  { step: 'tenant', title: 'Create the tenant (fake)' },
  { step: 'frontend_strategy', title: 'Decide the frontend strategy (fake)' },
  { step: 'services', title: 'Configure services (fake)' },
  { step: 'backend_overrides', title: 'Handle backend needs (fake)' },
  { step: 'ai', title: 'Configure AI behaviour (fake)' },
  { step: 'integrations', title: 'Configure integrations (fake)' },
  { step: 'frontend_customization', title: 'Frontend customization (fake)' },
  { step: 'data_migration', title: 'Data migration (fake)' },
  { step: 'verification', title: 'Observability and verification (fake)' },
  { step: 'rollout', title: 'Staging and rollout (fake)' },
  { step: 'handoff', title: 'Documentation and handoff (fake)' },
];

/** A whole tenant document with every step at its starting point. */
export function tenantDocument(from: Pick<Draft, 'id' | 'clientName' | 'industry' | 'slug'> = draft()): TenantDocument {
  return {
    schema_version: 1,
    classification: {
      industry: from.industry,
      regulations: [],
      compliance_mode: 'standard',
      required_services: [],
      scale: null,
      custom_ux_needs: '',
      documented_by: 'Test User',
      documented_at: '2026-11-24T09:15:00Z',
    },
    tenant: {
      id: `tenant-${from.id}`,
      display_name: from.clientName,
      slug: from.slug,
      metadata: { legal_name: null, region: null, contacts: [] },
      compliance_flags: {
        phi_allowed: false,
        data_residency_enforced: true,
        attested_vendors_only: true,
        encryption_at_rest_required: true,
        audit_log_retention_days: 365,
      },
    },
    frontend: { strategy: 'undecided' },
    services: {},
    overrides: [],
    ai: {
      allowed_models: [],
      default_model: null,
      prompt_versions: {},
      tools: [],
      monthly_budget_cents: 0,
      rate_limits: { requests_per_minute: 0, tokens_per_day: 0 },
      constraints: {
        no_training_on_client_data: true,
        phi_redaction: true,
        human_review_of_outputs: true,
        regional_processing_only: true,
      },
    },
    integrations: [],
    customization: {
      branding: { primary_color: null, secondary_color: null, logo_ref: null },
      navigation: [],
      feature_visibility: {},
      copy_tone: '',
    },
    data_migration: { decided: false, datasets: [] },
    go_live: { items: {} },
    rollout: { stages: [], monitoring_plan: '', launch_announcement: '' },
    handoff: {
      configuration_doc: null,
      enabled_services_confirmed: false,
      known_overrides_documented: false,
      support_path: null,
      escalation_contacts: [],
    },
    justifications: {},
  };
}

/** A finding that blocks (an error), for tests that need one. */
export function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    rule_id: 'AI-010',
    severity: 'error',
    step: 'ai',
    path: '/ai/allowed_models/0',
    message: 'The model "shady-llm" is not in the catalog (fake backend).',
    remediation: 'Choose a model from the catalog.',
    justified: false,
    ...overrides,
  };
}

/** A promise whose settling the test controls. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

type Command = keyof Backend;

/**
 * The fake's platform server, as the tests set it up and change it. Not the real
 * protocol: only enough state for the UI to show what the backend says.
 */
export interface FakeServer {
  url: string | null;
  source: ServerSource;
  /** The server answers. */
  online: boolean;
  /** A token for the current server is kept. */
  registered: boolean;
  /** An admin approved the key: only then does a sync go through. */
  approved: boolean;
  /** An admin revoked the key: the server says so, and refuses every sync. */
  revoked: boolean;
  /** The server does not know the token kept for the key (its database was reset). */
  tokenUnknown: boolean;
  /** Change sets colleagues sent, received at the next sync. */
  incoming: number;
  /** The next sync refuses the oldest change set waiting, for this reason. */
  refuseNext: { code: string; message: string } | null;
  rejected: HeldView[];
  conflicts: HeldView[];
  lastSyncAt: string | null;
  lastError: string | null;
}

/** A refused change set, as the backend lists it. */
export function heldView(overrides: Partial<HeldView> = {}): HeldView {
  return {
    hash: fakeHex(500),
    changesetId: '01937b6e-4f1a-7c3d-9a2b-00000000abcd',
    tenant: 'acme-health',
    code: 'revoked_key',
    message: 'The key that signed this change set was revoked (fake backend).',
    ...overrides,
  };
}

/** One conflicting field, as the backend describes it (display strings, not markup). */
export function conflictField(overrides: Partial<ConflictField> = {}): ConflictField {
  return {
    path: '/ai/monthly_budget_cents',
    label: 'ai › monthly budget cents',
    stepTitle: 'Configure AI behaviour (fake)',
    base: '50000',
    theirs: '70000',
    mine: '90000',
    ...overrides,
  };
}

/** A conflict of two fields on acme-health, as `listConflicts` answers it. */
export function conflictView(overrides: Partial<ConflictView> = {}): ConflictView {
  return {
    changeset: fakeHex(700),
    changesetId: '01937b6e-4f1a-7c3d-9a2b-00000000c0de',
    tenant: 'acme-health',
    summary: 'Raise the AI budget and rename the client',
    fields: [
      conflictField(),
      conflictField({
        path: '/tenant/display_name',
        label: 'tenant › display name',
        stepTitle: 'Create the tenant (fake)',
        base: '"Acme"',
        theirs: '"Acme Health"',
        mine: '"Acme Health Group"',
      }),
    ],
    ...overrides,
  };
}

/** The sync area's entry for a conflict: held, with no reason of the server's. */
function heldOf(conflict: ConflictView): HeldView {
  return { hash: conflict.changeset, changesetId: conflict.changesetId, tenant: conflict.tenant, code: null, message: null };
}

/** A reviewer's request for changes on acme-health's change set, as the mirror keeps it. */
export function changeRequest(overrides: Partial<ChangeRequest> = {}, note: Partial<ReviewNote> = {}): ChangeRequest {
  return {
    hash: fakeHex(900),
    tenant: 'acme-health',
    clientName: 'Acme Health',
    draftId: draft().id,
    summary: 'Raise the AI budget',
    note: {
      reviewer: fakeHex(98),
      reviewerName: 'Carla Mendes',
      verdict: 'changesRequested',
      comment: 'The budget is above the clinic default.',
      fields: [
        {
          path: '/ai/monthly_budget_cents',
          label: 'Monthly budget (US cents)',
          step: 'ai',
          comment: 'Bring it back to 150000 or justify it.',
        },
      ],
      at: '2026-11-25T14:30:00Z',
      ...note,
    },
    ...overrides,
  };
}

/** A sync view, for tests that drive the sync area directly. */
export function syncView(overrides: Partial<SyncView> = {}): SyncView {
  return {
    serverUrl: 'http://127.0.0.1:8480',
    source: 'settings',
    registered: true,
    online: true,
    outbox: 0,
    rejected: [],
    conflicts: [],
    lastSyncAt: null,
    lastError: null,
    progress: null,
    running: false,
    key: null,
    changeRequests: [],
    ...overrides,
  };
}

/** The server's answer about this person's key, as the backend passes it on. */
export function keyStatus(overrides: Partial<NonNullable<SyncView['key']>> = {}): NonNullable<SyncView['key']> {
  return {
    standing: 'approved',
    keyId: fakeHex(99),
    name: 'Ana Lima',
    role: 'accountManager',
    checkedAt: '2026-11-24T09:15:00Z',
    current: true,
    ...overrides,
  };
}

export interface FakeBackend extends Backend {
  /** Inputs of `createDraft`, in order. */
  created: NewDraft[];
  /** Documents sent to `saveDraft`, in order. */
  saved: { id: DraftId; document: TenantDocument }[];
  /** Summaries sent to `submitDraft`, in order. */
  submitted: { id: DraftId; summary: string }[];
  /** Findings the fake's "policy pack" adds to every evaluation (e.g. to block a submission). */
  extraFindings: Finding[];
  /** The platform server; tests change it to take it offline, approve the key, … */
  server: FakeServer;
  /** Change sets waiting to be sent (grows on submit, empties on sync). */
  outbox: number;
  /** Names and roles sent to `registerKey`, in order. */
  registrations: { name: string; role: StaffRole }[];
  /** Conflicts waiting for a decision, with their fields (also counted in the sync view). */
  conflicts: ConflictView[];
  /** Change sets waiting for approval on the fake server, oldest first. */
  reviews: ReviewEntry[];
  /** What `approveChangeset` was sent, in order. */
  approved: { hash: string; comment: string }[];
  /** What `requestChanges` was sent, in order. */
  changesAsked: { hash: string; comment: string; fields: FieldCommentInput[] }[];
  /** The change requests on this person's change sets the mirror holds (sync view and drafts). */
  changeRequests: ChangeRequest[];
  /** What `resolveConflict` was asked, in order. */
  resolutions: { changeset: string; choices: FieldChoice[] }[];
  /** Hashes sent to `dismissRejection`, in order. */
  dismissed: string[];
  /** The next `times` calls of `command` fail with `error`. */
  fail(command: Command, error: AppError, times?: number): void;
  /** The document the fake holds for a draft. */
  documentOf(id: DraftId): TenantDocument | undefined;
  /** The tenants `listTenants` pages through (sorted by name). */
  tenants: TenantSummary[];
  /** Filters sent to `listTenants`, in order. */
  tenantQueries: TenantFilter[];
  /** What `promoteTenant` was sent, in order. */
  promotions: { tenant: string; target: PromotionTarget; summary: string }[];
  /**
   * Replaces a tenant's go-live state with `view` (what `goLive` answers for `view.tenant`
   * and, for a tenant with a draft here, its slug), e.g. to make production promotable.
   */
  setGoLive(view: GoLiveView): void;
  /** The audit log's records, in any order (`auditLog` filters and pages them). */
  audit: AuditEntry[];
  /** What `auditLog` was asked, in order. */
  auditQueries: { filter: AuditFilter; before: number | null }[];
}

const clone = <T>(value: T): T => structuredClone(value);

/** 64 hex digits that differ with `n`: a stand-in for a SHA-256. */
export function fakeHex(n: number): string {
  return Array.from({ length: 64 }, (_, i) => ((n * 7 + i * 13 + ((i * n) % 5)) % 16).toString(16)).join('');
}

/**
 * The fake's "policy pack": a blank display name is an error, a missing legal name is
 * work left in step 2, and every step after the third has something left to do. Only
 * so the tests can see the UI render what the backend says; the real rules are in Rust.
 */
function evaluate(document: TenantDocument, extra: readonly Finding[]): { evaluation: Evaluation; progress: Progress } {
  const findings: Finding[] = [];
  if (document.tenant.display_name.trim() === '') {
    findings.push(
      finding({
        rule_id: 'TEN-001',
        step: 'tenant',
        path: '/tenant/display_name',
        message: 'The display name is blank (fake backend).',
        remediation: 'Enter the name the client’s users see.',
      }),
    );
  }
  findings.push(...extra.map(clone));
  const missing: Missing[] = [];
  if (document.tenant.metadata.legal_name === null) {
    missing.push({
      requirement_id: 'tenant.legal_name',
      step: 'tenant',
      path: '/tenant/metadata/legal_name',
      message: 'Enter the client’s legal name (fake backend).',
    });
  }
  for (const { step } of FAKE_STEPS.slice(2)) {
    missing.push({ requirement_id: `${step}.todo`, step, path: `/${step}`, message: `Fill in this step (fake backend: ${step}).` });
  }
  const steps = FAKE_STEPS.map(({ step, title }) => {
    const blocking_rules = [
      ...new Set(
        findings.filter((f) => f.step === step && (f.severity === 'error' || !f.justified)).map((f) => f.rule_id),
      ),
    ];
    const stepMissing = missing.filter((m) => m.step === step).map((m) => m.message);
    const status = blocking_rules.length > 0 ? 'blocked' : stepMissing.length > 0 ? 'incomplete' : 'complete';
    return { step, title, status, missing: stepMissing, blocking_rules } as const;
  });
  return {
    evaluation: { findings, missing, required_checklist: [] },
    progress: {
      steps,
      may_enter_staging: false,
      may_enter_production: false,
      staging_blockers: ['Not ready (fake backend).'],
      production_blockers: ['Not ready (fake backend).'],
    },
  };
}

/**
 * A test double of the backend, holding drafts, documents and history in memory. Its
 * "rules" are only here so the tests can see the UI render what the backend says;
 * the real rules live in Rust.
 */
export function fakeBackend(
  overrides: Partial<Backend> = {},
  options: {
    drafts?: Draft[];
    keyId?: string | null;
    server?: Partial<FakeServer>;
    outbox?: number;
    conflicts?: ConflictView[];
    reviews?: ReviewEntry[];
    /** What `reviewChanges` answers, by change set hash. */
    reviewPlans?: Record<string, Plan>;
    changeRequests?: ChangeRequest[];
    tenants?: TenantSummary[];
    /** Go-live states to start from, as `goLive` answers them. */
    goLive?: GoLiveView[];
    audit?: AuditEntry[];
  } = {},
): FakeBackend {
  const created: NewDraft[] = [];
  const saved: FakeBackend['saved'] = [];
  const submitted: FakeBackend['submitted'] = [];
  const drafts = new Map<DraftId, Draft>((options.drafts ?? []).map((d) => [d.id, clone(d)]));
  const documents = new Map<DraftId, TenantDocument>();
  /** The last document signed from each draft. */
  const signed = new Map<DraftId, string>();
  /** Change sets per tenant id, oldest first. */
  const histories = new Map<string, HistoryEntry[]>();
  const failures = new Map<Command, { error: AppError; times: number }>();
  const registrations: FakeBackend['registrations'] = [];
  let keyId: string | null = options.keyId === undefined ? null : options.keyId;
  let clock = Date.parse('2026-11-24T10:00:00Z');

  const now = () => new Date((clock += 60_000)).toISOString();

  /** Go-live states by tenant id. */
  const goLiveStates = new Map<string, GoLiveState>();

  /**
   * A tenant's go-live state, started on first use from its draft's newest change set
   * (or, for a tenant a colleague onboarded, one signed by its owner), with the draft
   * stage following later submissions.
   */
  function goLiveOf(tenant: string): GoLiveState {
    const mine = [...drafts.values()].find((d) => d.slug === tenant || known(d.id).document.tenant.id === tenant);
    const id = mine ? known(mine.id).document.tenant.id : tenant;
    const newest = histories.get(id)?.at(-1);
    let state = goLiveStates.get(id);
    if (!state) {
      const other = fake.tenants.find((t) => t.id === tenant || t.slug === tenant);
      if (!mine && !other) return fail('not_found', `No tenant “${tenant}” in this mirror (fake backend).`);
      const signed = newest
        ? { hash: newest.hash, seq: newest.seq, signedBy: 'Ana Lima', signedAt: newest.created_at, queued: fake.outbox > 0 }
        : other
          ? { hash: fakeHex(300), seq: 1, signedBy: other.owner_label ?? other.owner ?? fakeHex(98), signedAt: '2026-11-20T09:00:00Z', queued: false }
          : null;
      state = goLiveModel.start({ tenant: id, clientName: mine?.clientName ?? other?.display_name ?? tenant, draft: signed });
      goLiveStates.set(id, state);
    } else if (newest) {
      goLiveModel.withDraft(state, { hash: newest.hash, seq: newest.seq, signedBy: 'Ana Lima', signedAt: newest.created_at, queued: true });
    }
    return state;
  }

  function failIfTold(command: Command) {
    const failure = failures.get(command);
    if (!failure) return;
    if (--failure.times <= 0) failures.delete(command);
    throw new BackendError(clone(failure.error));
  }

  const issuesFor = (input: NewDraft): FieldIssue[] => {
    const issues: FieldIssue[] = [];
    if (input.clientName.trim() === '') issues.push({ field: 'clientName', message: 'Enter the client’s name.' });
    if (input.industry === '') issues.push({ field: 'industry', message: 'Choose an industry.' });
    return issues;
  };

  function known(id: DraftId): { draft: Draft; document: TenantDocument } {
    const found = drafts.get(id);
    if (!found) throw new BackendError({ code: 'not_found', message: 'This draft no longer exists (fake backend).', fields: [] });
    let document = documents.get(id);
    if (!document) {
      document = tenantDocument(found);
      documents.set(id, document);
    }
    return { draft: found, document };
  }

  const fail = (code: AppError['code'], message: string): never => {
    throw new BackendError({ code, message, fields: [] });
  };

  /** The key's standing as the fake server last told it, for when it is offline. */
  let lastKey: SyncView['key'] = null;

  function keyNow(): SyncView['key'] {
    const server = fake.server;
    if (server.url === null || !server.registered) return null;
    if (!server.online) return lastKey ? { ...lastKey, current: false } : null;
    const standing = server.tokenUnknown
      ? 'unrecognised'
      : server.revoked
        ? 'revoked'
        : server.approved
          ? 'approved'
          : 'pending';
    const registration = registrations.at(-1);
    lastKey = keyStatus({
      standing,
      keyId: standing === 'unrecognised' ? null : (keyId ?? fakeHex(99)),
      name: standing === 'unrecognised' ? null : (registration?.name ?? 'Ana Lima'),
      role: standing === 'unrecognised' ? null : (registration?.role ?? 'accountManager'),
      checkedAt: new Date().toISOString(),
    });
    return lastKey;
  }

  function syncViewNow(): SyncView {
    const server = fake.server;
    const hasServer = server.url !== null;
    return clone({
      key: keyNow(),
      serverUrl: server.url,
      source: server.source,
      registered: hasServer && server.registered,
      online: hasServer && server.online,
      outbox: fake.outbox,
      rejected: server.rejected,
      conflicts: [...server.conflicts, ...(hasServer ? fake.conflicts.map(heldOf) : [])],
      lastSyncAt: server.lastSyncAt,
      lastError: server.lastError,
      progress: null,
      running: false,
      changeRequests: fake.changeRequests,
    });
  }

  /**
   * The fake's check of a resolution: a known conflict, exactly one side for every
   * conflicting field and none for anything else. The real check is in Rust.
   */
  function resolution(changeset: string, choices: FieldChoice[]): ConflictView {
    if (fake.server.url === null) fail('invalid_input', 'No platform server is set (fake backend).');
    const conflict = fake.conflicts.find((c) => c.changeset === changeset);
    if (!conflict) {
      return fail('not_found', 'This conflict is no longer waiting; it may have been resolved already (fake backend).');
    }
    const seen = new Set<string>();
    for (const choice of choices) {
      if (seen.has(choice.path)) fail('invalid_input', `${choice.path} was chosen twice; choose one side per field (fake backend).`);
      if (!conflict.fields.some((f) => f.path === choice.path)) {
        fail('invalid_input', `${choice.path} is not in conflict in this change set (fake backend).`);
      }
      seen.add(choice.path);
    }
    const missing = conflict.fields.find((f) => !seen.has(f.path));
    if (missing) fail('invalid_input', `Choose theirs or mine for ${missing.path} (fake backend).`);
    return conflict;
  }

  function viewOf(id: DraftId): DraftView {
    const { draft: d, document } = known(id);
    return clone({
      draft: d,
      document,
      ...evaluate(document, fake.extraFindings),
      history: histories.get(document.tenant.id) ?? [],
      changeRequests: fake.changeRequests.filter((request) => request.draftId === id),
    });
  }

  const fake: FakeBackend = {
    created,
    saved,
    submitted,
    extraFindings: [],
    server: {
      url: null,
      source: 'none',
      online: true,
      registered: false,
      approved: false,
      revoked: false,
      tokenUnknown: false,
      incoming: 0,
      refuseNext: null,
      rejected: [],
      conflicts: [],
      lastSyncAt: null,
      lastError: null,
      ...options.server,
    },
    outbox: options.outbox ?? 0,
    registrations,
    conflicts: clone(options.conflicts ?? []),
    reviews: clone(options.reviews ?? []),
    approved: [],
    changesAsked: [],
    changeRequests: clone(options.changeRequests ?? []),
    resolutions: [],
    dismissed: [],
    fail(command, error, times = 1) {
      failures.set(command, { error, times });
    },
    documentOf: (id) => (documents.has(id) ? clone(documents.get(id)) : undefined),
    tenants: clone(options.tenants ?? []),
    tenantQueries: [],
    promotions: [],
    setGoLive(view) {
      goLiveStates.set(view.tenant, goLiveModel.fromView(view));
    },
    audit: clone(options.audit ?? []),
    auditQueries: [],

    appInfo: async () => ({
      version: '0.1.0',
      dataDir: '/tmp/tenantry',
      logDir: '/tmp/tenantry/logs',
      database: 'sqlite',
      databaseLocation: '/tmp/tenantry/tenantry.db',
      mirrorError: null,
    }),
    industries: async () => INDUSTRIES,
    validateNewDraft: async (input) => issuesFor(input),
    createDraft: async (input) => {
      failIfTold('createDraft');
      created.push(input);
      const made = draft({ clientName: input.clientName, industry: input.industry as Industry });
      drafts.set(made.id, made);
      return clone(made);
    },
    listDrafts: async () => {
      failIfTold('listDrafts');
      return clone([...drafts.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt)));
    },
    openDraft: async (id) => {
      failIfTold('openDraft');
      return viewOf(id);
    },
    saveDraft: async (id, document) => {
      failIfTold('saveDraft');
      const { draft: d } = known(id);
      saved.push({ id, document: clone(document) });
      documents.set(id, clone(document));
      const text = JSON.stringify(document);
      drafts.set(id, {
        ...d,
        clientName: document.tenant.display_name,
        updatedAt: now(),
        submission: !signed.has(id) ? 'notSubmitted' : signed.get(id) === text ? 'submitted' : 'editedSinceSubmission',
      });
      return viewOf(id);
    },
    // The wizard: a form model of the fake's own (fake-wizard.js), over the same documents.
    wizardStep: async (id, step) => {
      failIfTold('wizardStep');
      const { draft: d, document } = known(id);
      return wizardModel.view(d, document, step, fake.extraFindings);
    },
    editDraft: async (id, step, edits) => {
      failIfTold('editDraft');
      const { draft: d, document } = known(id);
      const next = wizardModel.apply(document, clone(edits));
      documents.set(id, next);
      saved.push({ id, document: clone(next) });
      const text = JSON.stringify(next);
      const updated: Draft = {
        ...d,
        clientName: next.tenant.display_name.trim() === '' ? d.clientName : next.tenant.display_name,
        updatedAt: now(),
        submission: !signed.has(id) ? 'notSubmitted' : signed.get(id) === text ? 'submitted' : 'editedSinceSubmission',
      };
      drafts.set(id, updated);
      return wizardModel.view(updated, next, step, fake.extraFindings);
    },
    submitDraft: async (id, summary) => {
      failIfTold('submitDraft');
      const { draft: d, document } = known(id);
      submitted.push({ id, summary });
      if (summary.trim() === '') {
        throw new BackendError({
          code: 'invalid_input',
          message: 'Say in a few words what this change does (fake backend).',
          fields: [],
        });
      }
      const view = viewOf(id);
      if (view.progress.steps.some((step) => step.blocking_rules.length > 0)) return { outcome: 'blocked', view };
      const text = JSON.stringify(document);
      if (signed.get(id) === text) return { outcome: 'nothingToSubmit', view };
      keyId ??= fakeHex(99);
      const history = histories.get(document.tenant.id) ?? [];
      const seq = history.length + 1;
      const hash = fakeHex(seq + fake.outbox * 31 + id.length);
      history.push({
        seq,
        hash,
        id: `changeset-${seq}`,
        environment: 'draft',
        author: keyId,
        summary,
        created_at: now(),
      });
      histories.set(document.tenant.id, history);
      signed.set(id, text);
      fake.outbox += 1;
      drafts.set(id, { ...d, submission: 'submitted' });
      return {
        outcome: 'submitted',
        view: viewOf(id),
        receipt: { changesetId: `changeset-${seq}`, hash, seq, outbox: fake.outbox },
      };
    },
    signingKey: async (): Promise<KeyInfo> => {
      failIfTold('signingKey');
      return { profile: 'default', keyId, publicKey: keyId === null ? null : fakeHex(7) };
    },
    syncStatus: async () => {
      failIfTold('syncStatus');
      return syncViewNow();
    },
    setServerUrl: async (url) => {
      failIfTold('setServerUrl');
      const server = fake.server;
      if (server.source === 'environment') {
        fail('invalid_input', 'The server is set by TENANTRY_SERVER_URL for this session (fake backend).');
      }
      const trimmed = url?.trim() ?? '';
      if (trimmed === '') {
        Object.assign(server, { url: null, source: 'none', registered: false });
        return syncViewNow();
      }
      if (!/^https?:\/\/[^\s/]+/.test(trimmed)) {
        fail('invalid_input', `“${trimmed}” is not a server address: use http://host:port (fake backend).`);
      }
      const normalised = trimmed.replace(/\/+$/, '');
      if (normalised !== server.url) server.registered = false;
      Object.assign(server, { url: normalised, source: 'settings' });
      return syncViewNow();
    },
    registerKey: async (name, role) => {
      failIfTold('registerKey');
      const server = fake.server;
      if (server.url === null) fail('invalid_input', 'Choose the platform server first (fake backend).');
      if (!server.online) fail('offline', `The server at ${server.url} cannot be reached (fake backend).`);
      if (name.trim() === '') fail('invalid_input', 'Enter your name, as the admin will see it (fake backend).');
      registrations.push({ name, role });
      keyId ??= fakeHex(99);
      // A new registration waits for an admin, whatever the last one came to.
      Object.assign(server, { registered: true, tokenUnknown: false, approved: false, revoked: false });
      return syncViewNow();
    },
    syncNow: async () => {
      failIfTold('syncNow');
      const server = fake.server;
      if (server.url === null) {
        fail('invalid_input', 'No platform server is set: choose one in Settings (fake backend).');
      }
      if (!server.registered) {
        fail('not_registered', `Your key is not registered with ${server.url} yet (fake backend).`);
      }
      if (!server.online) {
        server.lastError = `The server at ${server.url} cannot be reached (fake backend).`;
        fail('offline', `The server at ${server.url} cannot be reached (fake backend). Your changes stay in the outbox.`);
      }
      if (server.tokenUnknown) {
        server.lastError = 'The server refused the token (unauthenticated, fake backend).';
        fail('not_registered', 'The server refused the token (unauthenticated, fake backend).');
      }
      if (server.revoked) {
        server.lastError = 'The server refused the token (key_revoked): your key was revoked (fake backend).';
        fail('not_registered', 'The server refused the token (key_revoked): your key was revoked (fake backend).');
      }
      if (!server.approved) {
        server.lastError = 'Your key is waiting for an admin’s approval (fake backend).';
        fail('not_registered', 'Your key is waiting for an admin’s approval (fake backend).');
      }
      let rejected = 0;
      if (server.refuseNext && fake.outbox > 0) {
        server.rejected.push(heldView({ ...server.refuseNext, hash: fakeHex(600 + server.rejected.length) }));
        server.refuseNext = null;
        fake.outbox -= 1;
        rejected = 1;
      }
      const sent = fake.outbox;
      const received = server.incoming;
      fake.outbox = 0;
      for (const state of goLiveStates.values()) goLiveModel.sent(state);
      server.incoming = 0;
      server.lastSyncAt = new Date().toISOString();
      server.lastError = null;
      return { sent, received, rejected, view: syncViewNow() };
    },
    reviewChanges: async (_tenant, hash) => {
      failIfTold('reviewChanges');
      return clone(options.reviewPlans?.[hash] ?? null);
    },
    reviewQueue: async () => {
      failIfTold('reviewQueue');
      return clone(fake.reviews);
    },
    approveChangeset: async (hash, comment) => {
      failIfTold('approveChangeset');
      fake.approved.push({ hash, comment });
      fake.reviews = fake.reviews.filter((entry) => entry.hash !== hash);
      return { hash, duplicate: false };
    },
    requestChanges: async (hash, comment, fields) => {
      failIfTold('requestChanges');
      fake.changesAsked.push({ hash, comment, fields: clone(fields) });
      if (comment.trim() === '' && fields.length === 0) {
        fail('invalid_input', 'Say what to change: a comment, or a comment on a field (fake backend).');
      }
      const entry = fake.reviews.find((e) => e.hash === hash);
      if (!entry) return fail('not_found', 'This change set no longer waits for review (fake backend).');
      // The fake's labels come from the plan it shows; the real ones from the form description.
      const changes = (options.reviewPlans?.[hash]?.steps ?? []).flatMap((s) => s.changes.map((c) => ({ ...c, step: s.step })));
      const note: ReviewNote = {
        reviewer: fakeHex(98),
        reviewerName: registrations.at(-1)?.name ?? null,
        verdict: 'changesRequested',
        comment,
        fields: fields.map((f) => {
          const change = changes.find((c) => c.path === f.path);
          return { ...f, label: change?.label ?? f.path, step: change?.step ?? null };
        }),
        at: now(),
      };
      entry.reviews = [...entry.reviews, note];
      entry.myVerdict = 'changesRequested';
      return clone(note);
    },
    listConflicts: async () => {
      failIfTold('listConflicts');
      return fake.server.url === null ? [] : clone(fake.conflicts);
    },
    resolveConflict: async (changeset, choices): Promise<Resolved> => {
      failIfTold('resolveConflict');
      fake.resolutions.push({ changeset, choices: clone(choices) });
      const conflict = resolution(changeset, choices);
      fake.conflicts = fake.conflicts.filter((c) => c !== conflict);
      // "Theirs" everywhere leaves nothing of the change: nothing is signed or queued.
      if (choices.every((choice) => choice.side === 'theirs')) return { queued: null, view: syncViewNow() };
      fake.outbox += 1;
      return { queued: fakeHex(800 + fake.resolutions.length), view: syncViewNow() };
    },
    dismissRejection: async (hash) => {
      failIfTold('dismissRejection');
      fake.dismissed.push(hash);
      const server = fake.server;
      if (!server.rejected.some((held) => held.hash === hash)) {
        fail('not_found', `No refused change set ${hash} is waiting; it may have been dismissed already (fake backend).`);
      }
      server.rejected = server.rejected.filter((held) => held.hash !== hash);
      return syncViewNow();
    },
    planDraft: async (id) => {
      failIfTold('planDraft');
      const { document } = known(id);
      const text = signed.get(id);
      const history = histories.get(document.tenant.id) ?? [];
      return clone(
        fakePlan({
          document,
          signed: text === undefined ? null : JSON.parse(text),
          findings: viewOf(id).evaluation.findings,
          steps: FAKE_STEPS.map(({ step, title }) => [step, title]),
          base: history.at(-1)?.hash ?? null,
        }),
      );
    },
    listTenants: async (filter) => {
      failIfTold('listTenants');
      fake.tenantQueries.push(clone(filter));
      const answer = fakeTenantPage(fake.tenants, filter);
      if ('error' in answer) throw new BackendError(answer.error);
      return clone(answer.page);
    },
    // Native dialogs: by default the user cancels them (nothing changes). Tests that
    // need a chosen file pass an override answering as the Rust command would.
    importDocument: async () => {
      failIfTold('importDocument');
      return null;
    },
    exportDocument: async () => {
      failIfTold('exportDocument');
      return null;
    },
    exportHandoff: async () => {
      failIfTold('exportHandoff');
      return null;
    },
    chooseImage: async () => {
      failIfTold('chooseImage');
      return null;
    },
    attachOutput: async () => {
      failIfTold('attachOutput');
      return null;
    },
    imagePreview: async () => {
      failIfTold('imagePreview');
      return null;
    },
    goLive: async (tenant) => {
      failIfTold('goLive');
      return clone(goLiveOf(tenant).view);
    },
    promoteTenant: async (tenant, target, summary) => {
      failIfTold('promoteTenant');
      fake.promotions.push({ tenant, target, summary });
      const state = goLiveOf(tenant);
      const seq = Math.max(0, ...state.view.stages.map((s) => s.seq ?? 0)) + 1;
      const answer = goLiveModel.promote(state, target, summary, {
        hash: fakeHex(1000 + fake.promotions.length),
        changesetId: `changeset-${seq}`,
        seq,
        outbox: fake.outbox + 1,
        signedBy: 'Ana Lima',
        now: now(),
      });
      if ('error' in answer) throw new BackendError(answer.error);
      if (answer.result.outcome === 'submitted') fake.outbox += 1;
      return clone(answer.result);
    },
    auditLog: async (filter, before) => {
      failIfTold('auditLog');
      fake.auditQueries.push(clone({ filter, before }));
      const answer = fakeAuditPage(fake.audit, filter, before);
      if ('error' in answer) throw new BackendError(answer.error);
      return clone(answer.page);
    },
    ...overrides,
  };
  for (const view of options.goLive ?? []) fake.setGoLive(view);
  return fake;
}

/** Lets pending promise callbacks and Svelte's updates run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}
