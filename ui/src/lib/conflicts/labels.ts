import type { ConflictView } from '../backend';
import { countLabel } from '../util/format';

/** Under "Resolve and queue": how many fields still need a side. */
export function choicesLine(chosen: number, total: number): string {
  if (chosen >= total) {
    return total === 1 ? 'The field has a side.' : `All ${total} fields have a side.`;
  }
  return `Choose a side for every field: ${chosen} of ${total} chosen.`;
}

/**
 * What a resolution did, in one sentence. `queued` is the resolved change set's hash,
 * or null when the server's values won every field and nothing was left to send.
 */
export function resolvedLine(tenant: string, queued: string | null): string {
  return queued === null
    ? `Resolved ${tenant}: the server’s values won every field, so nothing of your change was left and nothing was queued.`
    : `Resolved ${tenant}: your choices are signed and queued, and will be sent at the next sync.`;
}

/** "2 conflicts wait for a decision". */
export function waitingLine(conflicts: readonly ConflictView[]): string {
  const count = conflicts.length;
  return `${countLabel(count, 'conflict', 'conflicts')} ${count === 1 ? 'waits' : 'wait'} for a decision`;
}
