// Words for the review screen. Wording only: what needs approval and who may give it
// come from the server.
import type { KeyRole } from '../backend';

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
      return 'You are a compliance officer: you can approve what others changed.';
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
