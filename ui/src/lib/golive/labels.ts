// Words for the go-live screen. Wording only: what is signed where, what blocks and what
// can be promoted all come from the backend.
import type { ChangeEnvironment, GoLiveView, PromotionTarget, StageView } from '../backend';
import { ENVIRONMENT_LABELS } from '../drafts/labels';

export function environmentName(environment: ChangeEnvironment): string {
  return ENVIRONMENT_LABELS[environment] ?? environment;
}

/** The environment a stage is compared with ("same as draft"): the one before it. */
const PREVIOUS: Record<ChangeEnvironment, ChangeEnvironment | null> = {
  draft: null,
  staging: 'draft',
  production: 'staging',
};

/** "Same as draft", "Differs from staging", or null when the backend did not compare. */
export function comparisonLine(stage: Pick<StageView, 'environment' | 'sameAsPrevious'>): string | null {
  const previous = PREVIOUS[stage.environment];
  if (previous === null || stage.sameAsPrevious === null) return null;
  const name = environmentName(previous).toLowerCase();
  return stage.sameAsPrevious ? `Same as ${name}` : `Differs from ${name}`;
}

/** The first 12 hex digits: enough to tell change sets and hashes apart on screen. */
export function shortHash(hash: string): string {
  return hash.length > 12 ? hash.slice(0, 12) : hash;
}

/**
 * Who signed: the backend sends the signer's name when this mirror knows it, else the
 * key id (64 hex digits), which is shortened like any hash.
 */
export function signerLabel(signedBy: string): { text: string; keyId: boolean } {
  return /^[0-9a-f]{64}$/i.test(signedBy) ? { text: `key ${shortHash(signedBy)}`, keyId: true } : { text: signedBy, keyId: false };
}

export const TARGET_LABELS: Record<PromotionTarget, string> = {
  staging: 'Promote to staging',
  production: 'Promote to production',
};

/**
 * Why a promotion button is off, in words drawn from the view. The backend decided that
 * it is off (`canPromoteTo…`); this only points at what on the screen explains it.
 */
export function unavailableReason(view: GoLiveView, target: PromotionTarget): string {
  const [draft, staging, production] = view.stages;
  if (target === 'staging') {
    if (!draft?.hash) return 'Nothing to promote yet: sign and submit the draft first.';
    if (staging?.sameAsPrevious) return 'Nothing to promote: staging already holds the signed draft.';
  } else {
    if (!staging?.hash) return 'Nothing to promote yet: promote the draft to staging first.';
    if (production?.sameAsPrevious) return 'Nothing to promote: production already holds what staging holds.';
    if (view.productionBlockers.length > 0) {
      const count = view.productionBlockers.length;
      return `Not available: ${count === 1 ? '1 finding blocks' : `${count} findings block`} production (listed above).`;
    }
    if (view.missingEvidence.length > 0) {
      const count = view.missingEvidence.length;
      return `Not available: ${count === 1 ? '1 checklist item has' : `${count} checklist items have`} no evidence yet (${view.missingEvidence.join(', ')}); record it in step 10 and promote it through staging.`;
    }
  }
  return 'Not available now.';
}

/** "Not promoted: 2 findings block it". */
export function blockedLine(count: number): string {
  if (count === 0) return 'Not promoted: the rules block it';
  return `Not promoted: ${count === 1 ? '1 finding blocks' : `${count} findings block`} it`;
}

/** What "nothing to promote" means for each target. */
export function nothingLine(target: PromotionTarget): string {
  return target === 'staging'
    ? 'Nothing to promote: staging already holds the signed draft. Nothing was signed.'
    : 'Nothing to promote: production already holds what staging holds. Nothing was signed.';
}

/** After a promotion is signed: what happens next, and who decides. */
export const OUTBOX_LINE =
  'It waits in the outbox; the server checks approvals, the checklist and staging at the next sync.';
