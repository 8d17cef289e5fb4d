// @ts-check
// A fake of the Tauri IPC for the browser tests, installed before the page loads.
//
// It stands in for the Rust commands of docs/ipc-contract.md, in memory. THIS IS ONLY A
// TEST DOUBLE: the real rules (what a valid client name is, which industries exist, how a
// conflict is resolved) live in crates/tenantry-core and crates/tenantry-sync. The fake rejects a few bad names with its own messages only
// so the tests can prove that the UI shows whatever the backend says, where it says it.

/**
 * @typedef {{ id: string, clientName: string, industry: string, industryLabel: string,
 *             slug: string, submission: 'notSubmitted' | 'submitted' | 'editedSinceSubmission',
 *             createdAt: string, updatedAt: string }} Draft
 * @typedef {{
 *   drafts?: Draft[],
 *   failListDrafts?: number,
 *   failAppInfo?: number,
 *   databaseLocation?: string,
 *   mirrorError?: string,
 *   submitError?: { code: string, message: string },
 *   blockingFinding?: boolean,
 *   keyId?: string,
 *   server?: Partial<FakeServer>,
 *   outbox?: number,
 *   syncMs?: number,
 *   conflicts?: ConflictView[],
 *   reviews?: import('../../src/lib/backend').ReviewEntry[],
 *   reviewPlans?: Record<string, import('../../src/lib/backend').Plan>,
 *   changeRequests?: import('../../src/lib/backend').ChangeRequest[],
 *   role?: 'accountManager' | 'complianceOfficer',
 *   resolveError?: { code: string, message: string },
 *   tenantCount?: number,
 *   tenants?: import('../../src/lib/backend').TenantSummary[],
 *   files?: FakeFiles,
 *   goLive?: import('../../src/lib/backend').GoLiveView[],
 *   promoteError?: FakeRefusal,
 *   audit?: import('../../src/lib/backend').AuditEntry[],
 *   auditCount?: number,
 * }} FakeOptions
 *   `goLive`: go-live states to start from (by `tenant`); any other tenant starts from its
 *   draft's newest change set. `promoteError`: the next promotion fails with it, once.
 *   `audit`: the audit log's records (any order; `window.__FAKE_IPC__.audit` is the same
 *   array, for a test to add to), after `auditCount` made-up ones (ids 1 to auditCount).
 * @typedef {{ code: string, message: string }} FakeRefusal
 * @typedef {{
 *   import?: { error: FakeRefusal } | { cancelled: true } | { legalName: string },
 *   export?: { error: FakeRefusal } | { cancelled: true } | { fileName: string, format: string },
 *   image?: { error: FakeRefusal } | { cancelled: true } | { mediaType: string, base64: string, width: number, height: number },
 *   handoff?: { error: FakeRefusal } | { cancelled: true } | { fileName: string, format: string },
 *   attachment?: { error: FakeRefusal } | { cancelled: true } | { sha256: string },
 * }} FakeFiles
 *   What the native dialogs and the Rust checks would answer: the browser tests cannot
 *   open a GTK dialog, so each test says which file "was chosen" and what Rust made of it.
 * @typedef {{ hash: string, changesetId: string, tenant: string, code: string | null, message: string | null }} HeldView
 * @typedef {{ path: string, label: string, stepTitle: string | null, base: string, theirs: string, mine: string }} ConflictField
 * @typedef {{ changeset: string, changesetId: string, tenant: string, summary: string, fields: ConflictField[] }} ConflictView
 * @typedef {{ path: string, side: 'theirs' | 'mine' }} FieldChoice
 * @typedef {{
 *   url: string | null,
 *   source: 'environment' | 'settings' | 'none',
 *   online: boolean,
 *   registered: boolean,
 *   approved: boolean,
 *   revoked?: boolean,
 *   incoming: number,
 *   rejected: HeldView[],
 *   conflicts: HeldView[],
 *   lastSyncAt: string | null,
 *   lastError: string | null,
 * }} FakeServer
 */

/**
 * Runs inside the page (serialised by Playwright's addInitScript): it must not refer to
 * anything outside itself.
 * @param {FakeOptions} options
 */
export function installFakeIpc(options) {
  const industries = [
    { id: 'healthcare', label: 'Healthcare' },
    { id: 'financial_services', label: 'Financial services' },
    { id: 'retail', label: 'Retail' },
    { id: 'public_sector', label: 'Public sector' },
    { id: 'education', label: 'Education' },
  ];
  /** @type {Draft[]} */
  const drafts = [...(options.drafts ?? [])];
  let failListDrafts = options.failListDrafts ?? 0;
  let failAppInfo = options.failAppInfo ?? 0;
  /** @type {{ cmd: string, args: unknown }[]} */
  const calls = [];

  /** @param {{ clientName: string, industry: string }} input */
  function issuesFor(input) {
    const issues = [];
    const name = input.clientName;
    if (name.trim() === '') {
      issues.push({ field: 'clientName', message: 'Enter the client’s name (fake backend).' });
    } else if ([...name].length > 200) {
      issues.push({ field: 'clientName', message: 'Use at most 200 characters (fake backend).' });
    } else if (/\p{Cc}/u.test(name)) {
      issues.push({ field: 'clientName', message: 'Remove control characters (fake backend).' });
    }
    if (!industries.some((i) => i.id === input.industry)) {
      issues.push({ field: 'industry', message: 'Choose one of the listed industries (fake backend).' });
    }
    return issues;
  }

  // The draft screen's side: a document per draft, a history per tenant, an outbox and
  // a signing key. The "policy pack" below is the fake's own, only so the UI has
  // something to show: a blank display name is an error, a missing legal name is work
  // left in step 2, and the steps after the third always have something left.
  const STEPS = [
    ['classification', 'Classify the client'],
    ['tenant', 'Create the tenant'],
    ['frontend_strategy', 'Decide the frontend strategy'],
    ['services', 'Configure services'],
    ['backend_overrides', 'Handle client-specific backend needs'],
    ['ai', 'Configure AI behaviour'],
    ['integrations', 'Configure integrations'],
    ['frontend_customization', 'Frontend customization'],
    ['data_migration', 'Data migration and initialization'],
    ['verification', 'Observability and verification'],
    ['rollout', 'Staging and rollout'],
    ['handoff', 'Documentation and handoff'],
  ];
  /** @type {Map<string, any>} */
  const documents = new Map();
  /** @type {Map<string, string>} the last document signed from each draft, as JSON */
  const signed = new Map();
  /** @type {Map<string, any[]>} */
  const histories = new Map();
  let outbox = options.outbox ?? 0;
  let keyId = options.keyId ?? null;

  // The sync side: a platform server the tests set up (offline, unregistered, …), and a
  // sync that takes `syncMs` and moves through its phases so the progress can be seen.
  /** @type {FakeServer} */
  const server = {
    url: null,
    source: 'none',
    online: true,
    registered: false,
    approved: false,
    incoming: 0,
    rejected: [],
    conflicts: [],
    lastSyncAt: null,
    lastError: null,
    ...options.server,
  };
  /** @type {{ phase: string, done: number, total: number | null } | null} */
  let progress = null;
  let running = false;
  /** @type {{ name: string, role: string }[]} */
  const registrations = [];
  // Conflicts with their fields (also counted in the sync view while a server is set),
  // and what was asked of them. "theirs" everywhere leaves nothing to queue; any "mine"
  // queues one resolved change set in the outbox.
  /** @type {ConflictView[]} */
  const conflicts = [...(options.conflicts ?? [])];
  let reviews = [...(options.reviews ?? [])];
  /** @type {{ hash: string, comment: string }[]} */
  const approved = [];
  /** @type {{ hash: string, comment: string, fields: { path: string, comment: string }[] }[]} */
  const changesAsked = [];
  // The change requests on this person's change sets that the mirror holds.
  const changeRequests = [...(options.changeRequests ?? [])];
  /** @type {{ changeset: string, choices: FieldChoice[] }[]} */
  const resolutions = [];
  /** @type {string[]} */
  const dismissed = [];
  let resolveError = options.resolveError ?? null;

  /**
   * The key's standing as the fake server last told it, for when it is offline.
   * @type {{ standing: string, keyId: string, name: string, role: string, checkedAt: string, current: boolean } | null}
   */
  let lastKey = null;

  /** What the fake server says of this person's key (null without a token). */
  function keyNow() {
    if (server.url === null || !server.registered) return null;
    if (!server.online) return lastKey ? { ...lastKey, current: false } : null;
    const standing = server.revoked ? 'revoked' : server.approved ? 'approved' : 'pending';
    const registration = registrations.at(-1);
    lastKey = {
      standing,
      keyId: keyId ?? hex64(99),
      name: registration?.name ?? 'Ana Lima',
      role: registration?.role ?? options.role ?? 'accountManager',
      checkedAt: new Date().toISOString(),
      current: true,
    };
    return lastKey;
  }

  function syncView() {
    const hasServer = server.url !== null;
    return {
      key: keyNow(),
      serverUrl: server.url,
      source: server.source,
      registered: hasServer && server.registered,
      online: hasServer && server.online,
      outbox,
      rejected: server.rejected,
      conflicts: [
        ...server.conflicts,
        ...(hasServer
          ? conflicts.map((c) => ({ hash: c.changeset, changesetId: c.changesetId, tenant: c.tenant, code: null, message: null }))
          : []),
      ],
      lastSyncAt: server.lastSyncAt,
      lastError: server.lastError,
      progress,
      running,
      changeRequests,
    };
  }

  /**
   * @param {string} code
   * @param {string} message
   */
  function refuse(code, message) {
    return { code, message, fields: [] };
  }

  /** @param {number} ms */
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function runSync() {
    if (server.url === null) throw refuse('invalid_input', 'No platform server is set: choose one in Settings (fake backend).');
    if (!server.registered) {
      throw refuse('not_registered', `Your key is not registered with ${server.url} yet (fake backend): register it in Settings.`);
    }
    const step = (options.syncMs ?? 1500) / 6;
    running = true;
    try {
      progress = { phase: 'keys', done: 0, total: null };
      await sleep(step);
      if (!server.online) {
        server.lastError = `The server at ${server.url} cannot be reached (fake backend).`;
        throw refuse('offline', `The server at ${server.url} cannot be reached (fake backend). Your changes stay in the outbox.`);
      }
      if (!server.approved) {
        server.lastError = 'Your key is waiting for an admin’s approval (fake backend).';
        throw refuse('not_registered', 'Your key is waiting for an admin’s approval (fake backend).');
      }
      const incoming = server.incoming;
      progress = { phase: 'pull', done: 0, total: null };
      await sleep(step);
      progress = { phase: 'pull', done: incoming, total: incoming };
      await sleep(step);
      const sending = outbox;
      for (let done = 0; done <= sending; done++) {
        progress = { phase: 'push', done, total: sending };
        await sleep(step / Math.max(sending, 1));
      }
      outbox = 0;
      for (const state of goLiveStates.values()) goLiveModel().sent(state);
      server.incoming = 0;
      server.lastSyncAt = new Date().toISOString();
      server.lastError = null;
      return { sent: sending, received: incoming, rejected: 0 };
    } finally {
      running = false;
      progress = null;
    }
  }

  /** @param {number} n */
  function hex64(n) {
    let out = '';
    let x = (n * 2654435761) >>> 0;
    while (out.length < 64) {
      x = (Math.imul(x ^ (x >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
      out += x.toString(16).padStart(8, '0');
    }
    return out.slice(0, 64);
  }

  /** @param {string} name */
  function slugify(name) {
    return (
      name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 40) || 'client'
    );
  }

  /** @param {Draft} draft */
  function documentOf(draft) {
    let doc = documents.get(draft.id);
    if (!doc) {
      doc = {
        schema_version: 1,
        classification: {
          industry: draft.industry,
          regulations: [],
          compliance_mode: 'standard',
          required_services: [],
          scale: null,
          custom_ux_needs: '',
          documented_by: 'Fake Backend',
          documented_at: draft.createdAt,
        },
        tenant: {
          id: `0194${draft.id.slice(4)}`,
          display_name: draft.clientName,
          slug: draft.slug,
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
        customization: { branding: { primary_color: null, secondary_color: null, logo_ref: null }, navigation: [], feature_visibility: {}, copy_tone: '' },
        data_migration: { decided: false, datasets: [] },
        go_live: { items: {} },
        rollout: { stages: [], monitoring_plan: '', launch_announcement: '' },
        handoff: { configuration_doc: null, enabled_services_confirmed: false, known_overrides_documented: false, support_path: null, escalation_contacts: [] },
        justifications: {},
      };
      documents.set(draft.id, doc);
    }
    return doc;
  }

  // The wizard: the form model of src/test/fake-wizard.js, which the harness installs
  // as window.__FAKE_WIZARD_MODEL__ before the page loads.
  const wizardModel = () => /** @type {import('../../src/test/fake-wizard.js').FakeWizardModel} */ (/** @type {any} */ (window).__FAKE_WIZARD_MODEL__);
  /** The fake's own blocking finding, when a test asks for one. */
  const extraFindings = () =>
    options.blockingFinding
      ? [
          {
            rule_id: 'AI-010',
            severity: /** @type {const} */ ('error'),
            step: /** @type {const} */ ('ai'),
            path: '/ai/allowed_models/0',
            message: 'The model “shady-llm” is not in the catalog (fake backend).',
            remediation: 'Choose a model from the catalog.',
            justified: false,
          },
        ]
      : [];

  /** @param {any} doc */
  function evaluate(doc) {
    /** @type {{ rule_id: string, severity: string, step: string, path: string, message: string, remediation: string, justified: boolean }[]} */
    const findings = [];
    if (doc.tenant.display_name.trim() === '') {
      findings.push({
        rule_id: 'TEN-001',
        severity: 'error',
        step: 'tenant',
        path: '/tenant/display_name',
        message: 'The display name is blank (fake backend).',
        remediation: 'Enter the name the client’s users see.',
        justified: false,
      });
    }
    if (options.blockingFinding) {
      findings.push({
        rule_id: 'AI-010',
        severity: 'error',
        step: 'ai',
        path: '/ai/allowed_models/0',
        message: 'The model “shady-llm” is not in the catalog (fake backend).',
        remediation: 'Choose a model from the catalog.',
        justified: false,
      });
    }
    /** @type {{ requirement_id: string, step: string, path: string, message: string }[]} */
    const missing = [];
    if (doc.tenant.metadata.legal_name === null) {
      missing.push({
        requirement_id: 'tenant.legal_name',
        step: 'tenant',
        path: '/tenant/metadata/legal_name',
        message: 'Enter the client’s legal name (fake backend).',
      });
    }
    for (const [step, title] of STEPS.slice(2)) {
      missing.push({ requirement_id: `${step}.todo`, step, path: `/${step}`, message: `${title}: not started (fake backend).` });
    }
    const steps = STEPS.map(([step, title]) => {
      const blocking = [...new Set(findings.filter((f) => f.step === step).map((f) => f.rule_id))];
      const stepMissing = missing.filter((m) => m.step === step).map((m) => m.message);
      const status = blocking.length > 0 ? 'blocked' : stepMissing.length > 0 ? 'incomplete' : 'complete';
      return { step, title, status, missing: stepMissing, blocking_rules: blocking };
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

  /** @param {string} id */
  function known(id) {
    const draft = drafts.find((d) => d.id === id);
    if (!draft) throw { code: 'not_found', message: 'This draft no longer exists (fake backend).', fields: [] };
    return draft;
  }

  /** @param {Draft} draft */
  function viewOf(draft) {
    const document = documentOf(draft);
    return {
      draft,
      document,
      ...evaluate(document),
      history: histories.get(document.tenant.id) ?? [],
      changeRequests: changeRequests.filter((request) => request.draftId === draft.id),
    };
  }

  function uuidv7ish() {
    const time = Date.now().toString(16).padStart(12, '0');
    const random = crypto.randomUUID().replace(/-/g, '').slice(0, 20);
    const hex = `${time}7${random.slice(1)}`;
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  }

  // The plan and the tenant list: src/test/fake-lists.js, which the harness installs as
  // window.__FAKE_LISTS__ before the page loads.
  const lists = () => /** @type {typeof import('../../src/test/fake-lists.js')} */ (/** @type {any} */ (window).__FAKE_LISTS__);
  /** @type {import('../../src/lib/backend').TenantSummary[]} */
  let tenantRows = [];
  const tenants = () => {
    if (tenantRows.length === 0 && (options.tenants || options.tenantCount)) {
      // In the store's order (lower-cased name, then id), as the cursor paging expects.
      const key = (/** @type {import('../../src/lib/backend').TenantSummary} */ t) => `${t.display_name.toLowerCase()}\u0000${t.id}`;
      tenantRows = [...(options.tenants ?? []), ...lists().fakeTenants(options.tenantCount ?? 0)].sort((a, b) =>
        key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0,
      );
    }
    return tenantRows;
  };

  // Go-live: src/test/fake-golive.js, which the harness installs as
  // window.__FAKE_GO_LIVE_MODEL__ before the page loads. States by tenant id.
  const goLiveModel = () => /** @type {import('../../src/test/fake-golive.js').FakeGoLiveModel} */ (/** @type {any} */ (window).__FAKE_GO_LIVE_MODEL__);
  /** @type {Map<string, import('../../src/test/fake-golive.js').GoLiveState>} */
  const goLiveStates = new Map();
  /** @type {{ tenant: string, target: string, summary: string }[]} */
  const promotions = [];
  let promoteError = options.promoteError ?? null;

  /**
   * A tenant's go-live state, started on first use from its draft's newest change set
   * (or, for a tenant a colleague onboarded, one signed by its owner); the draft stage
   * follows later submissions.
   * @param {string} tenant id or slug
   */
  function goLiveOf(tenant) {
    if (goLiveStates.size === 0) {
      for (const view of options.goLive ?? []) goLiveStates.set(view.tenant, goLiveModel().fromView(view));
    }
    const mine = drafts.find((d) => d.slug === tenant || documentOf(d).tenant.id === tenant);
    const id = mine ? documentOf(mine).tenant.id : tenant;
    const newest = histories.get(id)?.at(-1);
    let state = goLiveStates.get(id);
    if (!state) {
      const other = tenants().find((t) => t.id === tenant || t.slug === tenant);
      if (!mine && !other) throw refuse('not_found', `No tenant “${tenant}” in this mirror (fake backend).`);
      const signed = newest
        ? { hash: newest.hash, seq: newest.seq, signedBy: 'Ana Lima', signedAt: newest.created_at, queued: outbox > 0 }
        : other
          ? { hash: hex64(300), seq: 1, signedBy: other.owner_label ?? other.owner ?? hex64(98), signedAt: '2026-11-20T09:00:00Z', queued: false }
          : null;
      state = goLiveModel().start({ tenant: id, clientName: mine?.clientName ?? other?.display_name ?? tenant, draft: signed });
      goLiveStates.set(id, state);
    } else if (newest) {
      goLiveModel().withDraft(state, { hash: newest.hash, seq: newest.seq, signedBy: 'Ana Lima', signedAt: newest.created_at, queued: true });
    }
    return state;
  }

  // The audit log: src/test/fake-lists.js filters and pages it, as for the vitest fake.
  /** @type {import('../../src/lib/backend').AuditEntry[]} */
  const audit = [];
  let auditSeeded = false;
  const auditEntries = () => {
    // Seeded on first use: __FAKE_LISTS__ is installed after this script.
    if (!auditSeeded) {
      audit.unshift(...lists().fakeAuditEntries(options.auditCount ?? 0), ...(options.audit ?? []));
      auditSeeded = true;
    }
    return audit;
  };

  /** Images "kept in the mirror" by choose_image, by reference. @type {Map<string, unknown>} */
  const images = new Map();
  const files = options.files ?? {};

  /** @type {Record<string, (args: any) => unknown>} */
  const commands = {
    import_document: ({ id, step }) => {
      const draft = known(id);
      const answer = files.import ?? { cancelled: true };
      if ('error' in answer) throw refuse(answer.error.code, answer.error.message);
      if ('cancelled' in answer) return null;
      const next = structuredClone(documentOf(draft));
      next.tenant.metadata.legal_name = answer.legalName;
      documents.set(id, next);
      draft.updatedAt = new Date().toISOString();
      return wizardModel().view(/** @type {any} */ (draft), next, step, extraFindings());
    },
    export_document: ({ id }) => {
      known(id);
      const answer = files.export ?? { cancelled: true };
      if ('error' in answer) throw refuse(answer.error.code, answer.error.message);
      if ('cancelled' in answer) return null;
      return answer;
    },
    // The handoff's save dialog: cancelled unless a test says what was saved.
    export_handoff: () => {
      const answer = files.handoff ?? { cancelled: true };
      if ('error' in answer) throw refuse(answer.error.code, answer.error.message);
      if ('cancelled' in answer) return null;
      return answer;
    },
    choose_image: ({ id, step, path }) => {
      const draft = known(id);
      const answer = files.image ?? { cancelled: true };
      if ('error' in answer) throw refuse(answer.error.code, answer.error.message);
      if ('cancelled' in answer) return null;
      const reference = `asset://sha256/${hex64(answer.base64.length)}`;
      images.set(reference, answer);
      const next = wizardModel().apply(documentOf(draft), [{ op: 'set', path, value: reference }]);
      documents.set(id, next);
      draft.updatedAt = new Date().toISOString();
      return wizardModel().view(/** @type {any} */ (draft), next, step, extraFindings());
    },
    image_preview: ({ reference }) => images.get(reference) ?? null,
    // The attach dialog: cancelled unless a test says which output's SHA-256 Rust computed.
    attach_output: ({ id, step, path }) => {
      const draft = known(id);
      const answer = files.attachment ?? { cancelled: true };
      if ('error' in answer) throw refuse(answer.error.code, answer.error.message);
      if ('cancelled' in answer) return null;
      const next = wizardModel().apply(documentOf(draft), [{ op: 'set', path, value: answer.sha256 }]);
      documents.set(id, next);
      draft.updatedAt = new Date().toISOString();
      return wizardModel().view(/** @type {any} */ (draft), next, step, extraFindings());
    },
    go_live: ({ tenant }) => goLiveOf(tenant).view,
    promote_tenant: ({ tenant, target, summary }) => {
      promotions.push({ tenant, target, summary });
      if (promoteError) {
        // Once: the next press goes through.
        const error = promoteError;
        promoteError = null;
        throw refuse(error.code, error.message);
      }
      const state = goLiveOf(tenant);
      const seq = Math.max(0, ...state.view.stages.map((s) => s.seq ?? 0)) + 1;
      const answer = goLiveModel().promote(state, target, summary, {
        hash: hex64(7000 + promotions.length),
        changesetId: uuidv7ish(),
        seq,
        outbox: outbox + 1,
        signedBy: registrations.at(-1)?.name ?? 'Ana Lima',
        now: new Date().toISOString(),
      });
      if ('error' in answer) throw answer.error;
      if (answer.result.outcome === 'submitted') outbox += 1;
      return answer.result;
    },
    plan_draft: ({ id }) => {
      const draft = known(id);
      const document = documentOf(draft);
      const text = signed.get(id);
      const history = histories.get(document.tenant.id) ?? [];
      return lists().fakePlan({
        document,
        signed: text === undefined ? null : JSON.parse(text),
        findings: /** @type {any} */ (evaluate(document).evaluation.findings),
        steps: /** @type {any} */ (STEPS),
        base: history.at(-1)?.hash ?? null,
      });
    },
    audit_log: ({ filter, before }) => {
      const answer = lists().fakeAuditPage(auditEntries(), filter, before);
      if ('error' in answer) throw answer.error;
      return answer.page;
    },
    list_tenants: ({ filter }) => {
      const answer = lists().fakeTenantPage(tenants(), filter);
      if ('error' in answer) throw answer.error;
      return answer.page;
    },
    app_info: () => {
      if (failAppInfo > 0) {
        failAppInfo--;
        throw { code: 'storage', message: 'The data directory could not be opened (fake backend).', fields: [] };
      }
      return {
        version: '0.1.0-test',
        dataDir: '/home/ops/.local/share/tenantry',
        logDir: '/home/ops/.local/state/tenantry/logs',
        database: 'sqlite',
        databaseLocation: options.databaseLocation ?? '/home/ops/.local/share/tenantry/tenantry.db',
        mirrorError: options.mirrorError ?? null,
      };
    },
    industries: () => industries,
    validate_new_draft: ({ input }) => issuesFor(input),
    create_draft: ({ input }) => {
      const fields = issuesFor(input);
      if (fields.length > 0) {
        throw { code: 'invalid_input', message: 'The draft was not saved (fake backend).', fields };
      }
      const now = new Date().toISOString();
      const industry = industries.find((i) => i.id === input.industry);
      /** @type {Draft} */
      const draft = {
        id: uuidv7ish(),
        clientName: input.clientName,
        industry: input.industry,
        industryLabel: industry ? industry.label : input.industry,
        slug: slugify(input.clientName),
        submission: 'notSubmitted',
        createdAt: now,
        updatedAt: now,
      };
      drafts.push(draft);
      return draft;
    },
    list_drafts: () => {
      if (failListDrafts > 0) {
        failListDrafts--;
        throw {
          code: 'storage',
          message: 'The local database could not be read (fake backend). Check the disk, then try again.',
          fields: [],
        };
      }
      return [...drafts].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    },
    open_draft: ({ id }) => viewOf(known(id)),
    save_draft: ({ id, document }) => {
      const draft = known(id);
      documents.set(id, document);
      const text = JSON.stringify(document);
      draft.clientName = document.tenant.display_name;
      draft.updatedAt = new Date().toISOString();
      draft.submission = !signed.has(id) ? 'notSubmitted' : signed.get(id) === text ? 'submitted' : 'editedSinceSubmission';
      return viewOf(draft);
    },
    wizard_step: ({ id, step }) => {
      const draft = known(id);
      return wizardModel().view(/** @type {any} */ (draft), documentOf(draft), step, extraFindings());
    },
    edit_draft: ({ id, step, edits }) => {
      const draft = known(id);
      const next = wizardModel().apply(documentOf(draft), edits);
      documents.set(id, next);
      const text = JSON.stringify(next);
      if (next.tenant.display_name.trim() !== '') draft.clientName = next.tenant.display_name;
      draft.updatedAt = new Date().toISOString();
      draft.submission = !signed.has(id) ? 'notSubmitted' : signed.get(id) === text ? 'submitted' : 'editedSinceSubmission';
      return wizardModel().view(/** @type {any} */ (draft), next, step, extraFindings());
    },
    submit_draft: ({ id, summary }) => {
      const draft = known(id);
      if (options.submitError) throw { ...options.submitError, fields: [] };
      if (summary.trim() === '') {
        throw { code: 'invalid_input', message: 'Say in a few words what this change does (fake backend).', fields: [] };
      }
      const view = viewOf(draft);
      if (view.progress.steps.some((/** @type {any} */ step) => step.blocking_rules.length > 0)) {
        return { outcome: 'blocked', view };
      }
      const document = documentOf(draft);
      const text = JSON.stringify(document);
      if (signed.get(id) === text) return { outcome: 'nothingToSubmit', view };
      keyId ??= hex64(4242);
      const history = histories.get(document.tenant.id) ?? [];
      const seq = history.length + 1;
      outbox += 1;
      const hash = hex64(seq * 1000 + outbox);
      const changesetId = uuidv7ish();
      history.push({
        seq,
        hash,
        id: changesetId,
        environment: 'draft',
        author: keyId,
        summary,
        created_at: new Date().toISOString(),
      });
      histories.set(document.tenant.id, history);
      signed.set(id, text);
      draft.submission = 'submitted';
      return { outcome: 'submitted', view: viewOf(draft), receipt: { changesetId, hash, seq, outbox } };
    },
    signing_key: () => ({ profile: 'default', keyId, publicKey: keyId === null ? null : hex64(7) }),
    sync_status: () => syncView(),
    set_server_url: ({ url }) => {
      if (server.source === 'environment') {
        throw refuse('invalid_input', 'The server is set by TENANTRY_SERVER_URL for this session (fake backend).');
      }
      const trimmed = (url ?? '').trim();
      if (trimmed === '') {
        Object.assign(server, { url: null, source: 'none', registered: false });
        return syncView();
      }
      if (!/^https?:\/\/[^\s/]+/.test(trimmed)) {
        throw refuse('invalid_input', `“${trimmed}” is not a server address: use http://host:port (fake backend).`);
      }
      const normalised = trimmed.replace(/\/+$/, '');
      if (normalised !== server.url) server.registered = false;
      Object.assign(server, { url: normalised, source: 'settings' });
      return syncView();
    },
    register_key: ({ name, role }) => {
      if (server.url === null) throw refuse('invalid_input', 'Choose the platform server first (fake backend).');
      if (!server.online) throw refuse('offline', `The server at ${server.url} cannot be reached (fake backend).`);
      if (name.trim() === '') throw refuse('invalid_input', 'Enter your name, as the admin will see it (fake backend).');
      registrations.push({ name, role });
      keyId ??= hex64(4242);
      server.registered = true;
      return syncView();
    },
    sync_now: async () => {
      const outcome = await runSync();
      return { ...outcome, view: syncView() };
    },
    list_conflicts: () => (server.url === null ? [] : conflicts),
    review_changes: ({ hash }) => (options.reviewPlans ?? {})[hash] ?? null,
    review_queue: () => {
      if (server.url === null) throw refuse('invalid_input', 'No platform server is set (fake backend).');
      return reviews;
    },
    approve_changeset: ({ hash, comment }) => {
      approved.push({ hash, comment });
      reviews = reviews.filter((entry) => entry.hash !== hash);
      return { hash, duplicate: false };
    },
    request_changes: ({ hash, comment, fields }) => {
      changesAsked.push({ hash, comment, fields });
      if (comment.trim() === '' && fields.length === 0) {
        throw refuse('invalid_input', 'Say what to change: a comment, or a comment on a field (fake backend).');
      }
      const entry = reviews.find((e) => e.hash === hash);
      if (!entry) throw refuse('not_found', 'This change set no longer waits for review (fake backend).');
      // The fake's labels come from the plan it shows; the real ones from the form description.
      const changes = ((options.reviewPlans ?? {})[hash]?.steps ?? []).flatMap((s) => s.changes.map((c) => ({ ...c, step: s.step })));
      const note = {
        reviewer: hex64(77),
        reviewerName: registrations.at(-1)?.name ?? 'Carla Mendes',
        verdict: /** @type {const} */ ('changesRequested'),
        comment,
        fields: fields.map((/** @type {{ path: string, comment: string }} */ f) => {
          const change = changes.find((c) => c.path === f.path);
          return { ...f, label: change?.label ?? f.path, step: change?.step ?? null };
        }),
        at: new Date().toISOString(),
      };
      entry.reviews = [...entry.reviews, note];
      entry.myVerdict = 'changesRequested';
      return note;
    },
    resolve_conflict: ({ changeset, choices }) => {
      resolutions.push({ changeset, choices });
      if (server.url === null) throw refuse('invalid_input', 'No platform server is set (fake backend).');
      if (resolveError) {
        // Once: the next press goes through.
        const error = resolveError;
        resolveError = null;
        throw refuse(error.code, error.message);
      }
      const index = conflicts.findIndex((c) => c.changeset === changeset);
      if (index < 0) {
        throw refuse('not_found', 'This conflict is no longer waiting; it may have been resolved already (fake backend).');
      }
      const conflict = /** @type {ConflictView} */ (conflicts[index]);
      /** @type {FieldChoice[]} */
      const given = choices;
      for (const field of conflict.fields) {
        const sides = given.filter((choice) => choice.path === field.path);
        if (sides.length !== 1) throw refuse('invalid_input', `Choose theirs or mine for ${field.path} (fake backend).`);
      }
      if (given.some((choice) => !conflict.fields.some((field) => field.path === choice.path))) {
        throw refuse('invalid_input', 'A choice names a field that is not in conflict (fake backend).');
      }
      conflicts.splice(index, 1);
      if (given.every((choice) => choice.side === 'theirs')) return { queued: null, view: syncView() };
      outbox += 1;
      return { queued: hex64(9000 + resolutions.length), view: syncView() };
    },
    dismiss_rejection: ({ hash }) => {
      dismissed.push(hash);
      const index = server.rejected.findIndex((held) => held.hash === hash);
      if (index < 0) {
        throw refuse('not_found', `No refused change set ${hash} is waiting; it may have been dismissed already (fake backend).`);
      }
      server.rejected.splice(index, 1);
      return syncView();
    },
  };

  /** @type {Map<number, Function>} */
  const callbacks = new Map();
  let nextCallback = 1;

  Object.assign(window, {
    __FAKE_IPC__: { calls, drafts, documents, server, registrations, conflicts, resolutions, dismissed, approved, changesAsked, promotions, audit },
    __TAURI_INTERNALS__: {
      /**
       * @param {string} cmd
       * @param {unknown} args
       */
      invoke: async (cmd, args) => {
        calls.push({ cmd, args: structuredClone(args) });
        // Answers come back in a later task, as over the real IPC.
        await new Promise((resolve) => setTimeout(resolve, 5));
        const command = commands[cmd];
        if (!command) throw `command ${cmd} not found`;
        return structuredClone(await command(args));
      },
      /** @param {Function} callback */
      transformCallback: (callback) => {
        const id = nextCallback++;
        callbacks.set(id, callback);
        return id;
      },
      /** @param {number} id */
      unregisterCallback: (id) => callbacks.delete(id),
      metadata: {
        currentWindow: { label: 'main' },
        currentWebview: { label: 'main', windowLabel: 'main' },
      },
    },
  });
}
