// Words for the review screen. Wording only: what needs approval and who may give it
// come from the server.
import type { KeyRole, ReplacedChangeset, ReviewNote, Verdict } from '../backend';

export function environmentLabel(environment: string): string {
  switch (environment) {
    case 'draft':
      return 'Draft';
    case 'staging':
      return 'Staging';
    case 'production':
      return 'Production';
    default:
      return environment;
  }
}

/** What this person's role lets them do here. */
export function roleLine(role: KeyRole | null): string {
  switch (role) {
    case 'complianceOfficer':
      return 'You are a compliance officer: you can approve what others changed, or ask them for changes.';
    case 'accountManager':
      return 'You are an account manager: you can see what waits, and a compliance officer approves it.';
    case 'admin':
      return 'You are an admin: you can see what waits, and a compliance officer approves it.';
    default:
      return 'Your key is not registered with the server yet (Settings): you cannot approve.';
  }
}

/** The first 12 hex digits, enough to tell change sets and keys apart on screen. */
export function shortHash(hash: string): string {
  return hash.slice(0, 12);
}


/** Who gave a verdict and what it was: "Carla Mendes asked for changes". */
export function verdictLine(note: Pick<ReviewNote, 'reviewer' | 'reviewerName' | 'verdict'>): string {
  const who = note.reviewerName ?? `The key ${shortHash(note.reviewer)}`;
  return note.verdict === 'approved' ? `${who} approved` : `${who} asked for changes`;
}

/** What this person said about a change set already (they say it once). */
export function myVerdictLine(verdict: Verdict): string {
  return verdict === 'approved'
    ? 'You approved this change set.'
    : 'You asked for changes on this change set: its author answers with a new one.';
}

/**
 * What became of the change set this one replaces, after "Replaces change set <hash>":
 * the replaced one's approvals count for nothing now.
 */
export function replacedDetail(replaced: ReplacedChangeset): string {
  const asked = replaced.changesRequested ? ', on which changes were requested' : '';
  const approvals = replaced.voidedApprovals;
  const voided =
    approvals === 0 ? '' : ` Its ${approvals === 1 ? 'approval is' : `${approvals} approvals are`} void.`;
  return `${asked}.${voided}`;
}
