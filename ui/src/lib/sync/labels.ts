import type { SyncPhase, SyncProgress, SyncView } from '../backend';
import { countLabel } from '../util/format';

/** The server's state in one of four words, as the sync area shows it. */
export type ServerState = 'No server' | 'Offline' | 'Not registered' | 'Online';

/**
 * `awaitingApproval`: the last sync was refused because the key is not approved yet,
 * which the view alone cannot tell (it knows only that a token is kept).
 */
export function serverState(view: SyncView, awaitingApproval = false): ServerState {
  if (view.serverUrl === null) return 'No server';
  if (!view.online) return 'Offline';
  if (!view.registered || awaitingApproval) return 'Not registered';
  return 'Online';
}

/** What the user can do about the state, in a few words. */
export function serverStateHint(state: ServerState, view: SyncView): string {
  switch (state) {
    case 'No server':
      return 'Choose the platform server in Settings. Your changes stay in the outbox until then.';
    case 'Offline':
      return 'The server does not answer. Your changes stay in the outbox.';
    case 'Not registered':
      return view.registered
        ? 'An admin must approve your key on the server.'
        : 'Register your key in Settings.';
    case 'Online':
      return '';
  }
}

/** Where this person's key stands with the server. */
export function registrationState(view: SyncView, awaitingApproval = false): string {
  if (!view.registered) return 'Not registered';
  if (awaitingApproval || view.lastSyncAt === null) {
    return 'Registered — an admin must approve it before you can sync';
  }
  return 'Registered and approved: your changes sync with this server';
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
