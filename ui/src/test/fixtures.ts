import {
  BackendError,
  type AppError,
  type Backend,
  type Draft,
  type DraftId,
  type DraftView,
  type Evaluation,
  type FieldIssue,
  type Finding,
  type HistoryEntry,
  type Industry,
  type IndustryOption,
  type KeyInfo,
  type Missing,
  type NewDraft,
  type Progress,
  type Step,
  type TenantDocument,
} from '../lib/backend';

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

export interface FakeBackend extends Backend {
  /** Inputs of `createDraft`, in order. */
  created: NewDraft[];
  /** Documents sent to `saveDraft`, in order. */
  saved: { id: DraftId; document: TenantDocument }[];
  /** Summaries sent to `submitDraft`, in order. */
  submitted: { id: DraftId; summary: string }[];
  /** Findings the fake's "policy pack" adds to every evaluation (e.g. to block a submission). */
  extraFindings: Finding[];
  /** The next `times` calls of `command` fail with `error`. */
  fail(command: Command, error: AppError, times?: number): void;
  /** The document the fake holds for a draft. */
  documentOf(id: DraftId): TenantDocument | undefined;
}

const clone = <T>(value: T): T => structuredClone(value);

/** 64 hex digits that differ with `n`: a stand-in for a SHA-256. */
function fakeHex(n: number): string {
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
  options: { drafts?: Draft[]; keyId?: string | null } = {},
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
  let outbox = 0;
  let keyId: string | null = options.keyId === undefined ? null : options.keyId;
  let clock = Date.parse('2026-11-24T10:00:00Z');

  const now = () => new Date((clock += 60_000)).toISOString();

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

  function viewOf(id: DraftId): DraftView {
    const { draft: d, document } = known(id);
    return clone({
      draft: d,
      document,
      ...evaluate(document, fake.extraFindings),
      history: histories.get(document.tenant.id) ?? [],
    });
  }

  const fake: FakeBackend = {
    created,
    saved,
    submitted,
    extraFindings: [],
    fail(command, error, times = 1) {
      failures.set(command, { error, times });
    },
    documentOf: (id) => (documents.has(id) ? clone(documents.get(id)) : undefined),

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
      const hash = fakeHex(seq + outbox * 31 + id.length);
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
      outbox += 1;
      drafts.set(id, { ...d, submission: 'submitted' });
      return {
        outcome: 'submitted',
        view: viewOf(id),
        receipt: { changesetId: `changeset-${seq}`, hash, seq, outbox },
      };
    },
    signingKey: async (): Promise<KeyInfo> => {
      failIfTold('signingKey');
      return { profile: 'default', keyId, publicKey: keyId === null ? null : fakeHex(7) };
    },
    ...overrides,
  };
  return fake;
}

/** Lets pending promise callbacks and Svelte's updates run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}
