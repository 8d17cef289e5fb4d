// @ts-check
/**
 * THE FAKE BACKEND'S PLAN AND TENANT LIST, for tests only. The real ones are
 * crates/tenantry-workflow/src/plan.rs and crates/tenantry-store/src/tenants.rs; these
 * only give the UI tests something believable to draw.
 *
 * Used by the vitest fake (fixtures.ts) and, serialised with `toString()`, by the
 * Chromium tests' fake IPC: each function must not refer to anything outside itself.
 *
 * @typedef {import('../lib/backend').Plan} Plan
 * @typedef {import('../lib/backend').PlanStep} PlanStep
 * @typedef {import('../lib/backend').PlanChange} PlanChange
 * @typedef {import('../lib/backend').Finding} Finding
 * @typedef {import('../lib/backend').Step} Step
 * @typedef {import('../lib/backend').TenantFilter} TenantFilter
 * @typedef {import('../lib/backend').TenantPage} TenantPage
 * @typedef {import('../lib/backend').TenantSummary} TenantSummary
 * @typedef {import('../lib/backend').TenantPage['owners'][number]} TenantOwner
 * @typedef {import('../lib/backend').AppError} AppError
 */

/**
 * The fake's plan: every leaf of `document` that differs from `signed` (the last
 * document signed, or null when the submission creates the tenant), grouped by step.
 * @param {{ document: any, signed: any, findings: Finding[], steps: [Step, string][], base: string | null }} input
 * @returns {Plan}
 */
export function fakePlan({ document, signed, findings, steps, base }) {
  /** @type {Record<string, Step>} */
  const STEP_OF = {
    classification: 'classification',
    tenant: 'tenant',
    frontend: 'frontend_strategy',
    services: 'services',
    overrides: 'backend_overrides',
    ai: 'ai',
    integrations: 'integrations',
    customization: 'frontend_customization',
    data_migration: 'data_migration',
    go_live: 'verification',
    rollout: 'rollout',
    handoff: 'handoff',
  };
  /**
   * @param {unknown} value
   * @param {string} path
   * @param {Map<string, string>} out
   */
  function leaves(value, path, out) {
    if (value !== null && typeof value === 'object') {
      const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
      if (entries.length === 0) out.set(path, Array.isArray(value) ? '[]' : '{}');
      for (const [key, inner] of entries) leaves(inner, `${path}/${key}`, out);
    } else {
      // As the Rust plan shows values: text as itself, null as "(empty)".
      out.set(path, typeof value === 'string' ? value : value === null ? '(empty)' : JSON.stringify(value));
    }
    return out;
  }
  const now = leaves(document, '', new Map());
  // A new tenant lists only the values it starts with, as the Rust plan does.
  if (signed === null) {
    for (const [path, text] of now) if (text === '' || text === '(empty)' || text === '[]' || text === '{}') now.delete(path);
  }
  const before = signed === null ? new Map() : leaves(signed, '', new Map());
  /** @type {Map<Step, PlanChange[]>} */
  const changes = new Map();
  for (const path of new Set([...before.keys(), ...now.keys()])) {
    const top = path.split('/')[1] ?? '';
    const step = STEP_OF[top];
    if (!step) continue;
    const was = before.get(path) ?? null;
    const is = now.get(path) ?? null;
    if (was === is) continue;
    const label = path
      .slice(1)
      .split('/')
      .map((/** @type {string} */ part) => part.replace(/_/g, ' '))
      .join(' › ');
    const list = changes.get(step) ?? [];
    list.push({ path, label, before: was, after: is });
    changes.set(step, list);
  }
  const justifications = /** @type {Record<string, string>} */ (document.justifications ?? {});
  /** @type {PlanStep[]} */
  const planSteps = [];
  steps.forEach(([step, title], index) => {
    const stepChanges = changes.get(step) ?? [];
    const stepFindings = findings
      .filter((f) => f.step === step)
      .map((f) => ({ ...f, justification: justifications[f.rule_id]?.trim() ? justifications[f.rule_id] ?? null : null }));
    if (stepChanges.length === 0 && stepFindings.length === 0) return;
    planSteps.push({ step, number: index + 1, title, changes: stepChanges, findings: stepFindings });
  });
  const change_count = planSteps.reduce((n, s) => n + s.changes.length, 0);
  const blocking_count = findings.filter((f) => f.severity === 'error' || !f.justified).length;
  const justified_count = findings.filter((f) => f.severity === 'warning' && f.justified).length;
  return {
    tenant_id: document.tenant.id,
    display_name: document.tenant.display_name,
    environment: 'draft',
    base: signed === null ? null : base,
    creates_tenant: signed === null,
    steps: planSteps,
    change_count,
    blocking_count,
    justified_count,
    can_submit: change_count > 0 && blocking_count === 0,
    checklist: [],
  };
}

/**
 * `count` believable tenants, sorted by name, the same every time.
 * @param {number} count
 * @returns {TenantSummary[]}
 */
export function fakeTenants(count) {
  const FIRST = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Hooli', 'Vandelay', 'Soylent', 'Tyrell', 'Cyberdyne', 'Wonka', 'Gringotts', 'Oscorp', 'Aperture', 'Massive'];
  const SECOND = ['Health', 'Bank', 'Retail', 'Logistics', 'Insurance', 'Clinics', 'Schools', 'Energy', 'Foods', 'Labs'];
  const INDUSTRIES = ['healthcare', 'financial_services', 'retail', 'public_sector', 'education'];
  const MODES = ['standard', 'gdpr', 'pci_dss', 'hipaa'];
  /** @type {('draft' | 'staging' | 'production')[]} */
  const STAGES = ['draft', 'draft', 'staging', 'production'];
  const OWNERS = [
    ['a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90', 'Ana Lima'],
    ['0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0', 'Ben Okafor'],
    ['9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f30211203f4e5d6c7b8a9', null],
  ];
  /** @type {TenantSummary[]} */
  const out = [];
  for (let n = 1; n <= count; n++) {
    const first = FIRST[n % FIRST.length] ?? 'Acme';
    const second = SECOND[Math.floor(n / FIRST.length) % SECOND.length] ?? 'Health';
    const name = `${first} ${second} ${String(n).padStart(5, '0')}`;
    const [owner, ownerLabel] = OWNERS[n % OWNERS.length] ?? [null, null];
    const evaluated = n % 11 !== 0;
    const steps = evaluated ? (n * 7) % 13 : null;
    const hex = n.toString(16).padStart(12, '0');
    out.push({
      id: `01937c00-0000-7000-8000-${hex}`,
      display_name: name,
      slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
      industry: INDUSTRIES[n % INDUSTRIES.length] ?? 'retail',
      compliance_mode: MODES[(n >> 1) % MODES.length] ?? 'standard',
      stage: STAGES[n % STAGES.length] ?? 'draft',
      owner: owner ?? null,
      owner_label: ownerLabel ?? null,
      steps_complete: steps,
      blocked: evaluated ? n % 5 === 0 : null,
      draft_id: null,
    });
  }
  // The store's order: lower-cased name, then id.
  const key = (/** @type {TenantSummary} */ t) => [t.display_name.toLowerCase(), t.id];
  return out.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/**
 * One page of `tenants` matching `filter`, or the fake's refusal of a bad filter.
 * @param {TenantSummary[]} tenants
 * @param {Partial<TenantFilter>} filter
 * @returns {{ page: TenantPage } | { error: AppError }}
 */
export function fakeTenantPage(tenants, filter) {
  const text = (filter.text ?? '').trim().toLowerCase();
  const limit = filter.limit || 100;
  const offset = filter.offset ?? 0;
  if ([...text].length > 200) return { error: { code: 'invalid_input', message: 'The search is too long (fake backend).', fields: [] } };
  if (limit < 1 || limit > 500) return { error: { code: 'invalid_input', message: 'Ask for 1 to 500 rows (fake backend).', fields: [] } };
  const matching = tenants.filter((t) => {
    if (text && !t.display_name.toLowerCase().includes(text) && !t.slug.includes(text)) return false;
    if (filter.stage && t.stage !== filter.stage) return false;
    if (filter.compliance_mode && t.compliance_mode !== filter.compliance_mode) return false;
    if (filter.owner && t.owner !== filter.owner) return false;
    switch (filter.progress) {
      case 'complete':
        return t.steps_complete === 12 && t.blocked === false;
      case 'in_progress':
        return t.steps_complete !== null && t.steps_complete < 12 && t.blocked === false;
      case 'blocked':
        return t.blocked === true;
      case 'unknown':
        return t.steps_complete === null;
      default:
        return true;
    }
  });
  // After a cursor: the rows past it in the store's order (lower-cased name, then id).
  const after = filter.after;
  const start = after
    ? matching.findIndex((t) => {
        const name = t.display_name.toLowerCase();
        return name > after.sort_key || (name === after.sort_key && t.id > after.id);
      })
    : 0;
  const from = (start === -1 ? matching.length : start) + offset;
  const rows = matching.slice(from, from + limit);
  const last = rows.at(-1);
  /** @type {Map<string, TenantOwner>} */
  const owners = new Map();
  if (filter.with_owners) {
    for (const t of tenants) {
      if (!t.owner) continue;
      const seen = owners.get(t.owner);
      if (seen) seen.tenants++;
      else owners.set(t.owner, { key_id: t.owner, label: t.owner_label, tenants: 1 });
    }
  }
  return {
    page: {
      total: matching.length,
      offset,
      tenants: rows,
      next: last && rows.length === limit ? { sort_key: last.display_name.toLowerCase(), id: last.id } : null,
      owners: [...owners.values()].sort((a, b) =>
        a.label === null ? (b.label === null ? (a.key_id < b.key_id ? -1 : 1) : 1) : b.label === null ? -1 : a.label.localeCompare(b.label),
      ),
    },
  };
}

/**
 * The fake's audit log: the records of `entries` matching `filter`, newest first (by
 * id), 50 a page, older than the record `before` when given. A tenant matches its id, a
 * person the key id or the name (case-insensitively), the dates are inclusive days of
 * `at` (UTC), a rule one of the record's rule ids. A date that is not YYYY-MM-DD is
 * refused. The real log is the mirror's, in Rust.
 * @param {import('../lib/backend').AuditEntry[]} entries
 * @param {import('../lib/backend').AuditFilter} filter
 * @param {number | null} before
 * @returns {{ page: import('../lib/backend').AuditPage } | { error: AppError }}
 */
export function fakeAuditPage(entries, filter, before) {
  const PAGE = 50;
  for (const [field, value] of /** @type {const} */ ([
    ['from', filter.from],
    ['to', filter.to],
  ])) {
    if (value !== null && !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      return {
        error: { code: 'invalid_input', message: `${field}: “${value}” is not a date; use YYYY-MM-DD (fake backend).`, fields: [] },
      };
    }
  }
  const person = filter.person?.toLowerCase() ?? null;
  const matching = entries
    .filter((e) => {
      if (before !== null && e.id >= before) return false;
      if (filter.tenant !== null && e.tenant !== filter.tenant) return false;
      if (person !== null && e.actor?.toLowerCase() !== person && e.actorName?.toLowerCase() !== person) return false;
      const day = e.at.slice(0, 10);
      if (filter.from !== null && day < filter.from) return false;
      if (filter.to !== null && day > filter.to) return false;
      if (filter.rule !== null && !e.ruleIds.includes(filter.rule)) return false;
      return true;
    })
    .sort((a, b) => b.id - a.id);
  const rows = matching.slice(0, PAGE);
  const last = rows.at(-1);
  return { page: { entries: rows, nextBefore: matching.length > PAGE && last ? last.id : null } };
}

/**
 * `count` believable audit records, ids 1 to `count` (newest last), a minute apart.
 * @param {number} count
 * @returns {import('../lib/backend').AuditEntry[]}
 */
export function fakeAuditEntries(count) {
  const start = Date.parse('2026-11-20T08:00:00Z');
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    at: new Date(start + i * 60_000).toISOString().replace('.000Z', 'Z'),
    actor: 'a1b2c3d4e5f6'.padEnd(64, '0'),
    actorName: 'you',
    action: 'edit_draft',
    title: 'Saved edits to a draft',
    tenant: 'acme-health',
    clientName: 'Acme Health',
    subject: `0193${String(i).padStart(4, '0')}-0000-7000-8000-000000000000`,
    outcome: /** @type {const} */ ('done'),
    detail: `/tenant/display_name (edit ${i + 1})`,
    ruleIds: [],
  }));
}
