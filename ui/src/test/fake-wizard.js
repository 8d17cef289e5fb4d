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
    vendors: [
      { value: 'twilio', label: 'Twilio', description: 'approved · attestations: soc2, hipaa_baa · regions: us, eu', unknown: false },
      { value: 'mailblast', label: 'MailBlast', description: 'pending · attestations: none · regions: us', unknown: false },
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
      case 'frontend_strategy': {
        const appPath = `apps/client-${doc.tenant.slug}`;
        /** @type {FormField[]} */
        const fields = [
          field('/frontend/strategy', 'Frontend strategy', {
            kind: 'choice',
            value: doc.frontend?.strategy ?? 'undecided',
            optional: false,
            options: [
              option('undecided', 'Not decided yet'),
              option('existing_product_uis', 'Existing product UIs', 'Fastest path, minimal customization; for internal or early-stage clients.'),
              option('client_frontend', 'A client frontend', `Branded or composite experiences, in ${appPath}. Preferred for real deployments.`),
            ],
          }),
        ];
        if (doc.frontend?.app_path !== undefined) {
          fields.push(text('/frontend/app_path', 'App path', false, 'Where the client frontend lives in the repository: apps/client-<slug>.'));
        }
        return [{ id: 'strategy', title: 'Strategy', help: '', fields }];
      }
      case 'backend_overrides':
        return [
          {
            id: 'overrides',
            title: 'Overrides',
            help: '',
            fields: [
              records('/overrides', 'Client-specific overrides', 'override', 'Override', (path) => [
                field(`${path}/service`, 'Service', { kind: 'choice', value: get(doc, `${path}/service`) || null, optional: false, options: serviceOptions() }),
                text(`${path}/path`, 'Path', false, '/services/<service>/domain/client-overrides/<…>'),
                longText(`${path}/description`, 'What it does'),
                longText(`${path}/justification`, 'Justification', 'Why configuration, a feature flag or a policy rule could not do this.'),
                text(`${path}/owner`, 'Owner', false, 'The team that maintains it.'),
                text(`${path}/documentation`, 'Documentation', false, 'A link.'),
              ], 'Prefer configuration, feature flags and policy rules; an override is the last resort.'),
            ],
          },
        ];
      case 'integrations':
        return [
          {
            id: 'integrations',
            title: 'Vendors',
            help: '',
            fields: [
              records('/integrations', 'Integrations', 'integration', 'Integration', (path) => [
                field(`${path}/vendor`, 'Vendor', { kind: 'choice', value: get(doc, `${path}/vendor`) || null, optional: false, options: CATALOG.vendors }),
                text(`${path}/purpose`, 'Purpose', false, 'What the integration is for.'),
                text(`${path}/secret_ref`, 'Credential reference', false, 'secret://tenants/<tenant id>/<name> in the secrets manager. Never the credential itself.'),
                field(`${path}/enabled`, 'Enabled', { kind: 'toggle', value: Boolean(get(doc, `${path}/enabled`)) }),
              ]),
            ],
          },
        ];
      case 'frontend_customization':
        return [
          {
            id: 'branding',
            title: 'Branding',
            help: '',
            fields: [
              text('/customization/branding/primary_color', 'Primary colour', true, '#rrggbb'),
              text('/customization/branding/secondary_color', 'Secondary colour', true, '#rrggbb'),
              field(
                '/customization/branding/logo_ref',
                'Logo',
                { kind: 'image', value: get(doc, '/customization/branding/logo_ref') ?? null, accepts: 'PNG, JPEG or WebP, up to 512 KiB and 4096 × 4096 pixels.' },
                'Choose an image file, or enter an https:// address of the logo.',
              ),
            ],
          },
          {
            id: 'navigation',
            title: 'Navigation',
            help: '',
            fields: [
              records('/customization/navigation', 'Menu entries', 'menu entry', 'Entry', (path) => [
                text(`${path}/label`, 'Label'),
                text(`${path}/route`, 'Route', false, 'A route inside the client app, e.g. /inbox.'),
              ], 'The client app’s menu, in order.'),
            ],
          },
          { id: 'copy', title: 'Copy and tone', help: '', fields: [longText('/customization/copy_tone', 'Copy and tone guidance')] },
        ];
      case 'data_migration':
        return [
          {
            id: 'migration',
            title: 'Migration',
            help: '',
            fields: [
              field('/data_migration/decided', 'Decision made', { kind: 'toggle', value: Boolean(doc.data_migration?.decided) }, 'On once someone has decided: with datasets below, or none on purpose.'),
              records('/data_migration/datasets', 'Datasets', 'dataset', 'Dataset', (path) => [
                text(`${path}/name`, 'Name'),
                text(`${path}/source`, 'Source', false, 'The system, export or bucket it comes from.'),
                field(`${path}/target_service`, 'Target service', { kind: 'choice', value: get(doc, `${path}/target_service`) || null, optional: false, options: serviceOptions() }),
                text(`${path}/schema_ref`, 'Schema', false, 'The schema the data is validated against.'),
                field(`${path}/classification`, 'Classification', {
                  kind: 'multi_choice',
                  value: get(doc, `${path}/classification`) ?? [],
                  options: [option('phi', 'PHI', 'Protected health information.'), option('pii', 'PII', 'Personally identifiable information.'), option('confidential', 'Confidential'), option('public', 'Public')],
                }),
                longText(`${path}/rollback_plan`, 'Rollback plan', 'How to undo the migration.'),
                text(`${path}/dry_run/reference`, 'Dry run: evidence', false, 'Where the run against non-production data can be seen (CI run, ticket).'),
                text(`${path}/dry_run/verified_by`, 'Dry run: verified by'),
                field(`${path}/dry_run/verified_at`, 'Dry run: verified at', { kind: 'timestamp', value: get(doc, `${path}/dry_run/verified_at`) ?? null }, 'RFC 3339, UTC.'),
              ], 'Each dataset needs a dry run on non-production data and an isolation check, with evidence.'),
            ],
          },
        ];
      case 'verification':
        return checklist(doc).map((item) => {
          const base = `/go_live/items/${item}`;
          const title = item.charAt(0).toUpperCase() + item.slice(1).replace(/_/g, ' ');
          return {
            id: `item-${item}`,
            title,
            help: '',
            fields: [
              text(`${base}/reference`, `${title}: evidence`, false, 'Where someone else can see the proof (dashboard, test run, ticket).'),
              text(`${base}/verified_by`, `${title}: verified by`),
              field(`${base}/verified_at`, `${title}: verified at`, { kind: 'timestamp', value: get(doc, `${base}/verified_at`) ?? null }, 'RFC 3339, UTC.'),
              field(`${base}/sha256`, `${title}: attached output`, { kind: 'attachment', value: get(doc, `${base}/sha256`) ?? null }, 'Attach the test output or log that proves it: its SHA-256 is signed with the change set.'),
            ],
          };
        });
      case 'rollout': {
        const gates = CATALOG.services
          .filter((service) => doc.services?.[service.id]?.enabled)
          .flatMap((service) => service.flags.map((flag) => option(`${service.id}.${flag.id}`, `${service.name}: ${flag.id}`, flag.description)));
        return [
          {
            id: 'stages',
            title: 'Stages',
            help: '',
            fields: [
              records('/rollout/stages', 'Rollout stages', 'stage', 'Stage', (path) => [
                field(`${path}/environment`, 'Environment', { kind: 'choice', value: get(doc, `${path}/environment`), optional: false, options: [option('staging', 'Staging'), option('production', 'Production')] }),
                field(`${path}/flag_gates`, 'Gated by flags', { kind: 'multi_choice', value: get(doc, `${path}/flag_gates`) ?? [], options: gates }),
                field(`${path}/status`, 'Status', {
                  kind: 'choice',
                  value: get(doc, `${path}/status`),
                  optional: false,
                  options: [option('planned', 'Planned'), option('in_progress', 'In progress'), option('verified', 'Verified', 'Needs verification evidence.')],
                }),
              ], 'Staging first, then production.'),
            ],
          },
          {
            id: 'launch',
            title: 'Launch',
            help: '',
            fields: [
              longText('/rollout/monitoring_plan', 'Monitoring plan', 'How the first days of use are watched.'),
              longText('/rollout/launch_announcement', 'Launch announcement', 'Who is told, when and how.'),
            ],
          },
        ];
      }
      case 'handoff':
        return [
          {
            id: 'documentation',
            title: 'Documentation',
            help: '',
            fields: [
              text('/handoff/configuration_doc', 'Configuration documentation', true, 'A link.'),
              field('/handoff/enabled_services_confirmed', 'Enabled services confirmed', { kind: 'toggle', value: Boolean(doc.handoff?.enabled_services_confirmed) }, 'The enabled services list was reviewed against step 4.'),
              field('/handoff/known_overrides_documented', 'Known overrides documented', { kind: 'toggle', value: Boolean(doc.handoff?.known_overrides_documented) }, 'Every override of step 5 is in the documentation.'),
            ],
          },
          {
            id: 'support',
            title: 'Support',
            help: '',
            fields: [
              text('/handoff/support_path', 'Support path', true, 'Where the client’s users get support.'),
              records('/handoff/escalation_contacts', 'Escalation contacts', 'escalation contact', 'Escalation contact', (path) => [
                number(`${path}/level`, 'Level', 1, 255),
                text(`${path}/name`, 'Name'),
                text(`${path}/contact`, 'How to reach them'),
              ], 'Level 1 is called first.'),
            ],
          },
        ];
      default:
        return [];
    }

    /**
     * A list of records, as crates/tenantry-forms draws one: a title per item and its fields.
     * @param {string} path @param {string} label @param {string} itemLabel @param {string} titlePrefix
     * @param {(path: string) => FormField[]} fieldsOf @param {string} [help]
     */
    function records(path, label, itemLabel, titlePrefix, fieldsOf, help = '') {
      const items = /** @type {any[]} */ (get(doc, path) ?? []);
      return field(
        path,
        label,
        { kind: 'records', item_label: itemLabel, items: items.map((_, i) => ({ path: `${path}/${i}`, title: `${titlePrefix} ${i + 1}`, fields: fieldsOf(`${path}/${i}`) })) },
        help,
      );
    }
    /** @param {string} path @param {string} label @param {string} [help] */
    function longText(path, label, help = '') {
      return field(path, label, { kind: 'long_text', value: get(doc, path) ?? '' }, help);
    }
    function serviceOptions() {
      return CATALOG.services.map((service) => option(service.id, service.name, service.description));
    }
  }

  /** The go-live checklist: base items, and more for HIPAA and for integrations (as the policy pack's). @param {any} doc */
  function checklist(doc) {
    const items = ['logs', 'metrics', 'tenant_isolation'];
    if (doc.classification.regulations.includes('hipaa')) items.push('audit_log_review');
    if ((doc.integrations ?? []).length > 0) items.push('integration_failure_alerts');
    return items.sort();
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
    /** @param {string} requirement_id @param {Step} step @param {string} path @param {string} message */
    const need = (requirement_id, step, path, message) => missing.push({ requirement_id, step, path, message: `${message} (fake backend).` });
    if ((doc.frontend?.strategy ?? 'undecided') === 'undecided') need('FE-R01', 'frontend_strategy', '/frontend/strategy', 'Choose how the client’s users reach the services');
    (doc.overrides ?? []).forEach((/** @type {any} */ o, /** @type {number} */ i) => {
      if (!o.justification?.trim()) need('OVR-R01', 'backend_overrides', `/overrides/${i}/justification`, 'Say why configuration could not do this');
    });
    (doc.integrations ?? []).forEach((/** @type {any} */ integration, /** @type {number} */ i) => {
      if (!integration.vendor) need('INT-R01', 'integrations', `/integrations/${i}/vendor`, 'Choose the vendor');
      if (integration.vendor === 'mailblast') {
        findings.push({ rule_id: 'INT-002', severity: 'error', step: 'integrations', path: `/integrations/${i}/vendor`, message: 'MailBlast is not an approved vendor (fake backend).', remediation: 'Choose an approved vendor.', justified: false });
      }
    });
    if (!doc.customization?.copy_tone?.trim()) need('CUS-R01', 'frontend_customization', '/customization/copy_tone', 'Describe the tone of the copy');
    if (!doc.data_migration?.decided) need('MIG-R01', 'data_migration', '/data_migration/decided', 'Decide whether data is brought in');
    for (const item of checklist(doc)) {
      if (!doc.go_live?.items?.[item]?.reference?.trim()) need(`GL-${item}`, 'verification', `/go_live/items/${item}/reference`, `Record evidence for ${item.replace(/_/g, ' ')}`);
    }
    if ((doc.rollout?.stages ?? []).length === 0) need('RO-R01', 'rollout', '/rollout/stages', 'Plan a staging stage first');
    if (!doc.handoff?.enabled_services_confirmed) need('HO-R01', 'handoff', '/handoff/enabled_services_confirmed', 'Confirm the enabled services');
    if (!doc.handoff?.support_path) need('HO-R02', 'handoff', '/handoff/support_path', 'Say where the client’s users get support');
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
          /** @type {Record<string, unknown>} */
          const EMPTY = {
            '/tenant/metadata/contacts': { role: 'business', name: '', email: '' },
            '/overrides': { service: '', path: '', description: '', justification: '', owner: '', documentation: '' },
            '/integrations': { vendor: '', purpose: '', secret_ref: `secret://tenants/${doc.tenant.id}/new-integration`, enabled: false },
            '/customization/navigation': { label: '', route: '' },
            '/data_migration/datasets': { name: '', source: '', target_service: '', schema_ref: '', classification: [], rollback_plan: '', dry_run: null, isolation_check: null },
            '/rollout/stages': { environment: 'staging', flag_gates: [], status: 'planned', verification: null },
            '/handoff/escalation_contacts': { level: 1, name: '', contact: '' },
          };
          if (!(path in EMPTY)) refuse(`${path} is not a list of records (fake backend). Nothing was changed.`);
          get(doc, path).push(structuredClone(EMPTY[path]));
        } else if (edit.op === 'remove') {
          const tokens = path.split('/');
          const index = Number(tokens.pop());
          get(doc, tokens.join('/')).splice(index, 1);
        } else {
          const value = edit.value;
          if (/(expected_users|retention_days|budget_cents|\/level)$/.test(path) && value !== null && typeof value !== 'number') {
            refuse(`${path}: expected a number (fake backend). Nothing was changed.`);
          }
          if (path === '/classification/scale/expected_users' && doc.classification.scale === null) {
            doc.classification.scale = { expected_users: 0, peak_requests_per_second: 0, data_volume_gb: 0 };
          }
          if (path === '/frontend/strategy') {
            // As the real form's variant: the strategy decides the object's shape.
            doc.frontend = value === 'client_frontend' ? { strategy: value, app_path: `apps/client-${doc.tenant.slug}` } : { strategy: value };
            continue;
          }
          // Evidence starts as null (or absent); the first field typed into creates it, stamped now.
          const evidence = /^(\/go_live\/items\/[^/]+|\/data_migration\/datasets\/\d+\/(?:dry_run|isolation_check))\//.exec(path)?.[1];
          if (evidence && !get(doc, evidence)) put(doc, evidence, { reference: '', verified_by: '', verified_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), sha256: null });
          const service = /^\/services\/([^/]+)\//.exec(path)?.[1];
          if (service && !doc.services[service]) doc.services[service] = { enabled: false, flags: {} };
          if (path.startsWith('/justifications/') && value === '') put(doc, path, undefined);
          else if (/^\/(tenant\/metadata\/legal_name|classification\/documented_by|customization\/branding\/\w+|handoff\/(configuration_doc|support_path))$/.test(path))
            put(doc, path, value === '' ? null : value);
          else put(doc, path, value);
        }
      }
      return doc;
    },
  };
}
