// @ts-check
/**
 * THE FAKE BACKEND'S WIZARD, for tests only: a small form model over a tenant document,
 * with a catalog and "rules" of its own, so the UI tests can see the wizard draw what
 * the backend sends and send back what the user does. The real form model is
 * crates/tenantry-forms, over the real catalog and policy pack.
 *
 * Used by the vitest fake (fixtures.ts) and, serialised with `toString()`, by the
 * Chromium tests' fake IPC: the function must not refer to anything outside itself.
 *
 * @typedef {import('../lib/backend').WizardView} WizardView
 * @typedef {import('../lib/backend').StepForm} StepForm
 * @typedef {import('../lib/backend').FormField} FormField
 * @typedef {import('../lib/backend').Finding} Finding
 * @typedef {import('../lib/backend').Edit} Edit
 * @typedef {import('../lib/backend').Draft} Draft
 * @typedef {import('../lib/backend').Step} Step
 * @typedef {import('../lib/backend').TenantDocument} TenantDocument
 * @typedef {{ view(draft: Draft, document: TenantDocument, step: Step, extra?: Finding[]): WizardView,
 *             apply(document: TenantDocument, edits: Edit[]): TenantDocument }} FakeWizardModel
 */

/** @returns {FakeWizardModel} */
export function fakeWizardModel() {
  /** @type {[Step, string][]} */
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
  const GATE = 'This step opens once the classification (step 1) is complete and documented (fake backend).';
  /** The fake's catalog: services with flags, models and tools. */
  const CATALOG = {
    services: [
      {
        id: 'chat',
        name: 'Chat',
        description: 'Messaging (fake catalog).',
        flags: [
          { id: 'ai_suggestions', kind: 'toggle', default: false, description: 'Suggest replies.' },
          { id: 'retention_days', kind: 'number', default: 30, description: 'Days kept.', min: 1, max: 3650 },
        ],
      },
      {
        id: 'billing',
        name: 'Billing',
        description: 'Invoices (fake catalog).',
        flags: [{ id: 'currency', kind: 'choice', default: 'EUR', description: 'Checkout currency.', choices: ['EUR', 'USD'] }],
      },
    ],
    models: [
      { value: 'atlas-large-hc', label: 'Atlas Large (healthcare)', description: 'atlas · approved for Standard, HIPAA', unknown: false },
      { value: 'openweights-7b', label: 'Open Weights 7B', description: 'community · approved for Standard · may train on customer data', unknown: false },
    ],
    tools: [
      { value: 'knowledge_base_search', label: 'knowledge_base_search', description: 'Search help articles. PHI-safe.', unknown: false },
      { value: 'send_email', label: 'send_email', description: 'Send an email. Changes data outside the conversation.', unknown: false },
    ],
  };

  /** @param {any} doc @param {string} path */
  function get(doc, path) {
    let current = doc;
    for (const token of path.split('/').slice(1)) {
      if (current === null || typeof current !== 'object') return undefined;
      current = current[token.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    return current;
  }

  /** @param {any} doc @param {string} path @param {unknown} value */
  function put(doc, path, value) {
    const tokens = path.split('/').slice(1);
    const last = /** @type {string} */ (tokens.pop());
    /** @type {any} */
    let parent = doc;
    for (const token of tokens) parent = parent[token];
    if (value === undefined) delete parent[last];
    else parent[last] = value;
  }

  /** @param {string} value @param {string} [label] @param {string} [description] */
  const option = (value, label = value, description = '') => ({ value, label, description, unknown: false });

  /**
   * @param {string} path @param {string} label @param {any} input @param {string} [help]
   * @returns {FormField}
   */
  const field = (path, label, input, help = '') => ({ path, label, help, input, findings: [], missing: [] });

  /** @param {any} doc @param {Step} step @returns {{ id: string, title: string, help: string, fields: FormField[] }[]} */
  function groups(doc, step) {
    const text = (/** @type {string} */ path, /** @type {string} */ label, optional = false, help = '') =>
      field(path, label, { kind: 'text', value: get(doc, path) ?? '', optional }, help);
    const number = (/** @type {string} */ path, /** @type {string} */ label, /** @type {number | null} */ min = 0, /** @type {number | null} */ max = 4294967295) =>
      field(path, label, { kind: 'number', value: get(doc, path) ?? null, min, max });
    switch (step) {
      case 'classification':
        return [
          {
            id: 'regulation',
            title: 'Industry and regulation',
            help: '',
            fields: [
              field('/classification/industry', 'Industry', {
                kind: 'choice',
                value: doc.classification.industry,
                optional: true,
                options: [option('healthcare', 'Healthcare'), option('retail', 'Retail')],
              }),
              field('/classification/regulations', 'Regulations', {
                kind: 'multi_choice',
                value: doc.classification.regulations,
                options: [option('hipaa', 'HIPAA', 'US health data.'), option('gdpr', 'GDPR', 'EU personal data.')],
              }),
            ],
          },
          { id: 'scale', title: 'Scale expectations', help: '', fields: [number('/classification/scale/expected_users', 'Expected users')] },
          {
            id: 'documented',
            title: 'Documentation',
            help: '',
            fields: [
              text('/classification/documented_by', 'Documented by', true, 'Who documented this classification.'),
              field('/classification/documented_at', 'Documented at', { kind: 'timestamp', value: doc.classification.documented_at }),
            ],
          },
        ];
      case 'tenant': {
        const contacts = /** @type {any[]} */ (doc.tenant.metadata.contacts);
        return [
          {
            id: 'names',
            title: 'Names and residency',
            help: '',
            fields: [
              text('/tenant/display_name', 'Display name', false, 'The name the client’s users see.'),
              text('/tenant/metadata/legal_name', 'Legal name', true, 'As registered. Leave it empty while it is not known.'),
            ],
          },
          {
            id: 'contacts',
            title: 'Contacts',
            help: '',
            fields: [
              field('/tenant/metadata/contacts', 'Contacts at the client', {
                kind: 'records',
                item_label: 'contact',
                items: contacts.map((contact, i) => ({
                  path: `/tenant/metadata/contacts/${i}`,
                  title: contact.name || `Contact ${i + 1}`,
                  fields: [
                    field(`/tenant/metadata/contacts/${i}/role`, 'Role', {
                      kind: 'choice',
                      value: contact.role,
                      optional: false,
                      options: [option('business', 'Business'), option('technical', 'Technical')],
                    }),
                    text(`/tenant/metadata/contacts/${i}/name`, 'Name'),
                    text(`/tenant/metadata/contacts/${i}/email`, 'Email'),
                  ],
                })),
              }),
            ],
          },
          {
            id: 'compliance',
            title: 'Compliance flags',
            help: '',
            fields: [
              field('/tenant/compliance_flags/phi_allowed', 'PHI allowed', { kind: 'toggle', value: doc.tenant.compliance_flags.phi_allowed }),
              number('/tenant/compliance_flags/audit_log_retention_days', 'Audit log retention (days)'),
            ],
          },
        ];
      }
      case 'services':
        return CATALOG.services.map((service) => {
          const base = `/services/${service.id}`;
          const settings = doc.services?.[service.id];
          /** @type {FormField[]} */
          const fields = [field(`${base}/enabled`, `Enable ${service.name}`, { kind: 'toggle', value: settings?.enabled ?? false })];
          if (settings?.enabled) {
            for (const spec of service.flags) {
              const flag = /** @type {{ id: string, kind: string, default: unknown, description: string, min?: number, max?: number, choices?: string[] }} */ (spec);
              const path = `${base}/flags/${flag.id}`;
              const value = settings.flags?.[flag.id] ?? flag.default;
              const input =
                flag.kind === 'choice'
                  ? { kind: 'choice', value, optional: false, options: (flag.choices ?? []).map((/** @type {string} */ c) => option(c)) }
                  : flag.kind === 'number'
                    ? { kind: 'number', value, min: flag.min ?? null, max: flag.max ?? null }
                    : { kind: 'toggle', value };
              fields.push(field(path, flag.id.replace(/_/g, ' '), input, flag.description));
            }
          }
          return { id: `service-${service.id}`, title: service.name, help: service.description, fields };
        });
      case 'ai':
        return [
          {
            id: 'models',
            title: 'Models',
            help: '',
            fields: [
              field('/ai/allowed_models', 'Allowed models', { kind: 'multi_choice', value: doc.ai.allowed_models, options: CATALOG.models }),
              field('/ai/default_model', 'Default model', {
                kind: 'choice',
                value: doc.ai.default_model,
                optional: true,
                options: CATALOG.models.filter((m) => doc.ai.allowed_models.includes(m.value)),
              }),
            ],
          },
          { id: 'tools', title: 'Tools', help: '', fields: [field('/ai/tools', 'Tools the models may call', { kind: 'multi_choice', value: doc.ai.tools, options: CATALOG.tools })] },
          { id: 'limits', title: 'Cost and rate limits', help: '', fields: [number('/ai/monthly_budget_cents', 'Monthly budget (US cents)')] },
        ];
      default:
        return [];
    }
  }

  /** @param {any} doc @param {Finding[]} extra */
  function evaluate(doc, extra) {
    /** @type {Finding[]} */
    const findings = [];
    /** @type {{ requirement_id: string, step: Step, path: string, message: string }[]} */
    const missing = [];
    if (doc.tenant.display_name.trim() === '') {
      findings.push({ rule_id: 'TEN-001', severity: 'error', step: 'tenant', path: '/tenant/display_name', message: 'The display name is blank (fake backend).', remediation: 'Enter the name the client’s users see.', justified: false });
    }
    doc.ai.allowed_models.forEach((/** @type {string} */ model, /** @type {number} */ i) => {
      if (model === 'openweights-7b') {
        findings.push({ rule_id: 'AI-002', severity: 'error', step: 'ai', path: `/ai/allowed_models/${i}`, message: `AI model '${model}' is not eligible (fake backend).`, remediation: 'Remove the model.', justified: false });
      }
    });
    doc.ai.tools.forEach((/** @type {string} */ tool, /** @type {number} */ i) => {
      if (tool === 'send_email') {
        const reason = doc.justifications?.['AI-010'] ?? '';
        findings.push({ rule_id: 'AI-010', severity: 'warning', step: 'ai', path: `/ai/tools/${i}`, message: `Tool '${tool}' has side effects (fake backend).`, remediation: 'Remove the tool, or write why the AI may act on the client’s behalf.', justified: reason.trim() !== '' });
      }
    });
    findings.push(...extra);
    if (!doc.classification.documented_by) {
      missing.push({ requirement_id: 'CLS-R04', step: 'classification', path: '/classification/documented_by', message: 'Record who documented the classification (fake backend).' });
    }
    if (doc.tenant.metadata.legal_name === null) {
      missing.push({ requirement_id: 'TEN-R02', step: 'tenant', path: '/tenant/metadata/legal_name', message: 'Enter the client’s legal name (fake backend).' });
    }
    if (!Object.values(doc.services ?? {}).some((s) => /** @type {any} */ (s).enabled)) {
      missing.push({ requirement_id: 'SVC-R01', step: 'services', path: '/services', message: 'Enable at least one service (fake backend).' });
    }
    for (const [step] of STEPS) {
      if (!['classification', 'tenant', 'services', 'ai'].includes(step)) {
        missing.push({ requirement_id: `${step}.todo`, step, path: `/${step}`, message: `Fill in this step (fake backend: ${step}).` });
      }
    }
    return { findings, missing };
  }

  /** @param {{ path: string }[]} paths @param {string} path */
  function fieldFor(paths, path) {
    const above = paths
      .filter((f) => path === f.path || path.startsWith(`${f.path}/`))
      .sort((a, b) => b.path.length - a.path.length)[0];
    return (above ?? paths.find((f) => f.path.startsWith(`${path}/`)))?.path ?? null;
  }

  /** @param {FormField[]} fields @param {FormField[]} out */
  function walk(fields, out) {
    for (const f of fields) {
      out.push(f);
      if (f.input.kind === 'records') for (const item of f.input.items) walk(item.fields, out);
    }
    return out;
  }

  /** @param {any} doc */
  const classified = (doc) => Boolean(doc.classification.documented_by);

  return {
    view(draft, document, step, extra = []) {
      const doc = /** @type {any} */ (document);
      const { findings, missing } = evaluate(doc, extra);
      const steps = STEPS.map(([id, title], i) => {
        const blocking_rules = [...new Set(findings.filter((f) => f.step === id && (f.severity === 'error' || !f.justified)).map((f) => f.rule_id))];
        const stepMissing = missing.filter((m) => m.step === id).map((m) => m.message);
        const locked = id !== 'classification' && !classified(doc);
        /** @type {'complete' | 'incomplete' | 'blocked'} */
        const status = locked || blocking_rules.length > 0 ? 'blocked' : stepMissing.length > 0 ? 'incomplete' : 'complete';
        const reason = locked ? GATE : blocking_rules.length > 0 ? `Blocked by ${blocking_rules.join(', ')} (fake backend).` : (stepMissing[0] ?? '');
        return { step: id, number: i + 1, title, status, locked, reason, missing: stepMissing, blocking_rules };
      });
      const built = groups(doc, step);
      const all = walk(built.flatMap((g) => g.fields), []);
      for (const finding of findings) {
        const target = fieldFor(all, finding.path);
        all.find((f) => f.path === target)?.findings.push(finding);
      }
      for (const item of missing) {
        const target = fieldFor(all, item.path);
        all.find((f) => f.path === target)?.missing.push(item.message);
      }
      const index = STEPS.findIndex(([id]) => id === step);
      /** @type {StepForm} */
      const form = {
        step,
        number: index + 1,
        title: STEPS[index]?.[1] ?? step,
        purpose: `What step ${index + 1} is for, in plain words (fake backend).`,
        locked: step !== 'classification' && !classified(doc) ? GATE : null,
        groups: built,
        findings: findings
          .filter((f) => f.step === step)
          .map((finding) => ({
            finding,
            field: fieldFor(all, finding.path),
            justification:
              finding.severity === 'warning'
                ? { path: `/justifications/${finding.rule_id}`, text: doc.justifications?.[finding.rule_id] ?? '' }
                : null,
          })),
        missing: missing
          .filter((m) => m.step === step)
          .map((m) => ({ requirement_id: m.requirement_id, message: m.message, field: fieldFor(all, m.path) })),
      };
      return structuredClone({ draft, wizard: { steps, form, may_enter_staging: false, may_enter_production: false } });
    },

    apply(document, edits) {
      const doc = /** @type {any} */ (structuredClone(document));
      const refuse = (/** @type {string} */ message) => {
        throw { code: 'invalid_input', message, fields: [] };
      };
      for (const edit of edits) {
        const path = edit.path;
        if (!path.startsWith('/classification/') && !path.startsWith('/justifications/') && !classified(doc)) {
          refuse(`${path} cannot be changed yet: the classification must be documented first (fake backend). Nothing was changed.`);
        }
        if (edit.op === 'add') {
          get(doc, path).push({ role: 'business', name: '', email: '' });
        } else if (edit.op === 'remove') {
          const tokens = path.split('/');
          const index = Number(tokens.pop());
          get(doc, tokens.join('/')).splice(index, 1);
        } else {
          const value = edit.value;
          if (/(expected_users|retention_days|budget_cents)$/.test(path) && value !== null && typeof value !== 'number') {
            refuse(`${path}: expected a number (fake backend). Nothing was changed.`);
          }
          if (path === '/classification/scale/expected_users' && doc.classification.scale === null) {
            doc.classification.scale = { expected_users: 0, peak_requests_per_second: 0, data_volume_gb: 0 };
          }
          const service = /^\/services\/([^/]+)\//.exec(path)?.[1];
          if (service && !doc.services[service]) doc.services[service] = { enabled: false, flags: {} };
          if (path.startsWith('/justifications/') && value === '') put(doc, path, undefined);
          else if (path === '/tenant/metadata/legal_name' || path === '/classification/documented_by') put(doc, path, value === '' ? null : value);
          else put(doc, path, value);
        }
      }
      return doc;
    },
  };
}
