// @ts-check
/**
 * THE FAKE BACKEND'S GO-LIVE STATE, for tests only. The real one is the Rust side's
 * `go_live` / `promote_tenant` (docs/go-live.md) and the server's checks
 * (crates/tenantry-server/tests/approvals.rs); this only gives the UI tests something
 * believable to draw and to promote.
 *
 * Used by the vitest fake (fixtures.ts) and, serialised with `toString()`, by the
 * Chromium tests' fake IPC: the factory must not refer to anything outside itself.
 *
 * @typedef {import('../lib/backend').GoLiveView} GoLiveView
 * @typedef {import('../lib/backend').StageView} StageView
 * @typedef {import('../lib/backend').ChecklistItem} ChecklistItem
 * @typedef {import('../lib/backend').Finding} Finding
 * @typedef {import('../lib/backend').PromoteResult} PromoteResult
 * @typedef {import('../lib/backend').PromotionTarget} PromotionTarget
 * @typedef {import('../lib/backend').AppError} AppError
 * @typedef {{ hash: string, seq: number, signedBy: string, signedAt: string, queued: boolean }} Signed
 * @typedef {{ hash: string, changesetId: string, seq: number, outbox: number, signedBy: string, now: string }} NextChangeset
 * @typedef {{
 *   view: GoLiveView,
 *   content: { draft: string | null, staging: string | null, production: string | null },
 * }} GoLiveState
 *   `content` names what each environment holds, so "same as" compares configurations
 *   and not change sets (a promotion is a new change set with the same result).
 * @typedef {{
 *   start: (input: { tenant: string, clientName: string, draft: Signed | null, checklist?: ChecklistItem[], blockers?: Finding[] }) => GoLiveState,
 *   fromView: (view: GoLiveView) => GoLiveState,
 *   withDraft: (state: GoLiveState, draft: Signed) => void,
 *   sent: (state: GoLiveState) => void,
 *   promote: (state: GoLiveState, target: PromotionTarget, summary: string, next: NextChangeset) => { result: PromoteResult } | { error: AppError },
 * }} FakeGoLiveModel
 */

/** @returns {FakeGoLiveModel} */
export function fakeGoLiveModel() {
  /** @type {['draft', 'staging', 'production']} */
  const ENVIRONMENTS = ['draft', 'staging', 'production'];

  /**
   * @param {'draft' | 'staging' | 'production'} environment
   * @param {Signed | null} signed
   * @returns {StageView}
   */
  function stage(environment, signed) {
    return {
      environment,
      hash: signed?.hash ?? null,
      seq: signed?.seq ?? null,
      signedBy: signed?.signedBy ?? null,
      signedAt: signed?.signedAt ?? null,
      sameAsPrevious: null,
      queued: signed?.queued ?? false,
    };
  }

  /** What the fake's rules would evidence for any tenant: one item proven, one proven without output, one missing. */
  function defaultChecklist() {
    return [
      {
        item: 'smoke_tests',
        title: 'Smoke tests pass in staging (fake)',
        required: true,
        evidence: {
          reference: 'https://ci.example.test/pipelines/4821 (fake)',
          verifiedBy: 'Ana Lima',
          verifiedAt: '2026-11-30T10:00:00Z',
          sha256: '9f2c4e1a7b3d5f60a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718',
        },
      },
      {
        item: 'logs',
        title: 'Logs reach the tenant’s dashboard (fake)',
        required: true,
        evidence: {
          reference: 'Ticket OPS-112, screenshot attached (fake)',
          verifiedBy: 'Carla Mendes',
          verifiedAt: '2026-11-30T11:30:00Z',
          sha256: null,
        },
      },
      { item: 'traces', title: 'Traces reach the tenant’s dashboard (fake)', required: true, evidence: null },
    ];
  }

  /** @param {ChecklistItem[]} checklist */
  function blockersOf(checklist) {
    return checklist
      .filter((entry) => entry.evidence === null)
      .map((entry) => ({
        rule_id: 'VER-001',
        severity: /** @type {const} */ ('error'),
        step: /** @type {const} */ ('verification'),
        path: `/go_live/items/${entry.item}`,
        message: `The go-live checklist item “${entry.item}” has no evidence (fake backend).`,
        remediation: 'Record where to see the proof, who verified it and when, in step 10.',
        justified: false,
      }));
  }

  /** The fields that follow from what each environment holds. @param {GoLiveState} state */
  function derive(state) {
    const { view, content } = state;
    const [draft, staging, production] = view.stages;
    if (!draft || !staging || !production) throw new Error('a go-live view has three stages');
    staging.sameAsPrevious = content.draft !== null && content.staging !== null ? content.draft === content.staging : null;
    production.sameAsPrevious =
      content.staging !== null && content.production !== null ? content.staging === content.production : null;
    view.checklistOf = content.staging !== null ? 'staging' : 'draft';
    view.canPromoteToStaging = content.draft !== null && content.draft !== content.staging;
    view.missingEvidence = view.checklist.filter((entry) => entry.required && !entry.evidence).map((entry) => entry.title);
    view.canPromoteToProduction =
      content.staging !== null &&
      content.staging !== content.production &&
      view.productionBlockers.length === 0 &&
      view.missingEvidence.length === 0;
  }

  /** @param {string} code @param {string} message @returns {{ error: AppError }} */
  function refuse(code, message) {
    return { error: { code: /** @type {any} */ (code), message, fields: [] } };
  }

  return {
    start({ tenant, clientName, draft, checklist, blockers }) {
      const items = checklist ?? defaultChecklist();
      /** @type {GoLiveState} */
      const state = {
        view: {
          tenant,
          clientName,
          stages: [stage('draft', draft), stage('staging', null), stage('production', null)],
          checklistOf: 'draft',
          checklist: items,
          productionBlockers: blockers ?? blockersOf(items),
          missingEvidence: [],
          canPromoteToStaging: false,
          canPromoteToProduction: false,
        },
        content: { draft: draft ? `content-${draft.hash}` : null, staging: null, production: null },
      };
      derive(state);
      return state;
    },
    fromView(view) {
      const copy = structuredClone(view);
      const [draft, staging, production] = copy.stages;
      const draftContent = draft?.hash ? `content-${draft.hash}` : null;
      const stagingContent = staging?.hash ? (staging.sameAsPrevious ? draftContent : `content-${staging.hash}`) : null;
      const productionContent = production?.hash
        ? production.sameAsPrevious
          ? stagingContent
          : `content-${production.hash}`
        : null;
      // The view as the test wrote it stands: `derive` runs at the next change only.
      return { view: copy, content: { draft: draftContent, staging: stagingContent, production: productionContent } };
    },
    withDraft(state, draft) {
      if (state.view.stages[0]?.hash === draft.hash) return;
      state.view.stages[0] = stage('draft', draft);
      state.content.draft = `content-${draft.hash}`;
      derive(state);
    },
    sent(state) {
      for (const entry of state.view.stages) entry.queued = false;
    },
    promote(state, target, summary, next) {
      if (summary.trim() === '') return refuse('invalid_input', 'Say in a few words why this is promoted (fake backend).');
      const from = target === 'staging' ? 'draft' : 'staging';
      const source = state.content[from];
      if (source === null) {
        return refuse('invalid_input', `Nothing is signed in ${from} yet, so there is nothing to promote (fake backend).`);
      }
      if (source === state.content[target]) {
        return { result: { outcome: 'nothingToPromote', view: structuredClone(state.view) } };
      }
      if (target === 'production' && state.view.productionBlockers.length > 0) {
        derive(state);
        return {
          result: {
            outcome: 'blocked',
            findings: structuredClone(state.view.productionBlockers),
            view: structuredClone(state.view),
          },
        };
      }
      const index = ENVIRONMENTS.indexOf(target);
      state.view.stages[index] = stage(target, {
        hash: next.hash,
        seq: next.seq,
        signedBy: next.signedBy,
        signedAt: next.now,
        queued: true,
      });
      state.content[target] = source;
      derive(state);
      return {
        result: {
          outcome: 'submitted',
          receipt: { changesetId: next.changesetId, hash: next.hash, seq: next.seq, outbox: next.outbox },
          view: structuredClone(state.view),
        },
      };
    },
  };
}
