// Words for the audit screen. Wording and shortening only: which records match a
// filter, and what each record says, is the backend's.
import type { AuditFilter, AuditOutcome } from '../backend';
import { countLabel } from '../util/format';

/** The filter that narrows nothing: what the screen opens with and "Clear" returns to. */
export const NO_FILTER: AuditFilter = { tenant: null, person: null, from: null, to: null, rule: null };

/** Whether any field of the filter is set (the empty state then says nothing matches). */
export function isFiltered(filter: AuditFilter): boolean {
  return Object.values(filter).some((value) => value !== null);
}

/** What the user typed in a filter field, as the command takes it: blank is "not set". */
export function filterValue(typed: string): string | null {
  const trimmed = typed.trim();
  return trimmed === '' ? null : trimmed;
}

/** The outcome in words, so that it never rests on its colour alone. */
export function outcomeLabel(outcome: AuditOutcome): string {
  switch (outcome) {
    case 'done':
      return 'Done';
    case 'refused':
      return 'Refused';
    case 'failed':
      return 'Failed';
    default:
      return outcome;
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/i;

/**
 * The visible form of a value: a 64-hex hash (a change set, a key id) shortened to its
 * first 12 digits, which tell hashes apart on screen; anything else as it is. `null`
 * when the value is shown whole.
 */
export function shortened(value: string): string | null {
  return SHA256_HEX.test(value) ? value.slice(0, 12) : null;
}

/** Who did it, for a record made before this machine had a signing key. */
export const NO_KEY = 'Before this machine had a key';

/** The line above the table: how many records are shown, and whether older ones wait. */
export function shownLine(count: number, more: boolean, filtered: boolean): string {
  const records = countLabel(count, 'record', 'records');
  const which = filtered ? ` matching the filters` : '';
  const older = more ? '; older ones follow with “Show older”' : '';
  return `${records}${which}, newest first${older}.`;
}
