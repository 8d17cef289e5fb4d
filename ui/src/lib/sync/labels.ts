import type { SyncPhase, SyncProgress, SyncView } from '../backend';
import { countLabel, relativeTime } from '../util/format';

/** Where this person's key stands, as the backend last heard it from the server. */
export type KeyStatus = NonNullable<SyncView['key']>;
export type KeyRole = NonNullable<KeyStatus['role']>;

/** The server's state in a few words, as the sync area shows it. */
export type ServerState =
  | 'No server'
  | 'Offline'
  | 'Not registered'
  | 'Waiting for approval'
  | 'Key revoked'
  | 'Token not recognised'
  | 'Online';

/**
 * The first thing in the way: server, reachability, registration, then the key's
 * standing as the server said just now (never guessed from a sync's error).
 */
export function serverState(view: SyncView): ServerState {
  if (view.serverUrl === null) return 'No server';
  if (!view.online) return 'Offline';
  if (!view.registered) return 'Not registered';
  switch (view.key?.current ? view.key.standing : null) {
    case 'pending':
      return 'Waiting for approval';
    case 'revoked':
      return 'Key revoked';
    case 'unrecognised':
      return 'Token not recognised';
    default:
      return 'Online';
  }
}

/** What the user can do about the state, in a sentence or two. */
export function serverStateHint(state: ServerState, view: SyncView, now: number = Date.now()): string {
  switch (state) {
    case 'No server':
      return 'Choose the platform server in Settings. Your changes stay in the outbox until then.';
    case 'Offline': {
      const known = view.registered && view.key ? ` Last known: ${registrationState(view, now)}.` : '';
      return `The server does not answer. Your changes stay in the outbox.${known}`;
    }
    case 'Not registered':
      return 'Register your key in Settings.';
    case 'Waiting for approval':
    case 'Key revoked':
    case 'Token not recognised':
      return nextStep(view);
    case 'Online':
      return '';
  }
}

const ROLES: Record<KeyRole, string> = {
  accountManager: 'account manager',
  complianceOfficer: 'compliance officer',
  admin: 'admin',
};

/** "account manager", as people say it. */
export function roleLabel(role: KeyRole): string {
  return ROLES[role] ?? role;
}

/**
 * Where this person's key stands with the server, from the server's answer. When the
 * server cannot be asked now, its last answer, saying from when.
 */
export function registrationState(view: SyncView, now: number = Date.now()): string {
  if (!view.registered) return 'Not registered';
  const key = view.key;
  if (!key) return 'Registered — the server has not confirmed its state yet';
  const role = key.role ? ` as ${roleLabel(key.role)}` : '';
  let state: string;
  switch (key.standing) {
    case 'pending':
      state = `Registered${role} — waiting for an admin to approve your key`;
      break;
    case 'approved':
      state = `Approved${role}: your changes sync with this server`;
      break;
    case 'revoked':
      state = `Revoked by an admin: this key can no longer sync`;
      break;
    case 'unrecognised':
      state = 'The server does not recognise the token kept for your key';
      break;
  }
  return key.current ? state : `${state} (as the server said ${relativeTime(key.checkedAt, now)}; it cannot be asked now)`;
}

/** What the person can do next about their key; empty when nothing is needed. */
export function nextStep(view: SyncView): string {
  if (!view.registered) return view.serverUrl === null ? '' : 'Register your key in Settings.';
  switch (view.key?.standing) {
    case 'pending':
      return 'Ask an admin to approve your key on the server. Your changes stay in the outbox and go out with the first sync after that.';
    case 'revoked':
      return 'Talk to an admin: a revoked key cannot sync again. What you sent before the revocation stays on the server; changes still in the outbox will be refused.';
    case 'unrecognised':
      return 'The server may have been reset. Register your key again in Settings; an admin then approves it.';
    default:
      return '';
  }
}

/**
 * The register form is offered when no token is kept, or the server does not know the
 * one that is.
 */
export function mayRegister(view: SyncView | null): boolean {
  return !view?.registered || (view.key?.current === true && view.key.standing === 'unrecognised');
}

const PHASES: Record<SyncPhase, string> = {
  keys: 'Fetching approved keys',
  pull: 'Receiving changes',
  rebase: 'Rebasing your changes',
  push: 'Sending changes',
};

/** "Sending changes: 2 of 5", "Receiving changes: 40 so far", "Starting…". */
export function progressLabel(progress: SyncProgress | null): string {
  if (!progress) return 'Starting…';
  const phase = PHASES[progress.phase] ?? progress.phase;
  if (progress.total !== null) return `${phase}: ${progress.done} of ${progress.total}`;
  return progress.done > 0 ? `${phase}: ${progress.done} so far` : `${phase}…`;
}

/** "Synced: 1 sent, 0 received", with the refused ones when there are any. */
export function outcomeLine(outcome: { sent: number; received: number; rejected: number }): string {
  const refused = outcome.rejected > 0 ? `, ${outcome.rejected} refused` : '';
  return `Synced: ${outcome.sent} sent, ${outcome.received} received${refused}`;
}

/** "1 conflict needs a decision", "3 conflicts need a decision". */
export function conflictLine(count: number): string {
  return `${countLabel(count, 'conflict', 'conflicts')} ${count === 1 ? 'needs' : 'need'} a decision`;
}
