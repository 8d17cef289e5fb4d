import { getContext, setContext } from 'svelte';
import type { Edit } from '../backend';

/** What every field of the form needs from the wizard, without passing it down by hand. */
export interface FieldHost {
  /** Queues an edit; `delay` waits for more typing (0 for a click). */
  edit(edit: Edit, delay: number): void;
  /** The backend's refusal of the last edit of this field, if it was refused. */
  errorFor(path: string): string | null;
  /** The form is read-only (the step waits for the classification). */
  readonly locked: boolean;
}

const KEY = Symbol('tenantry.wizard.fields');

export function provideFieldHost(host: FieldHost): void {
  setContext(KEY, host);
}

export function useFieldHost(): FieldHost {
  const host = getContext<FieldHost | undefined>(KEY);
  if (!host) throw new Error('A wizard field must be inside the wizard form.');
  return host;
}

/**
 * How long to wait for more typing before a text is validated and saved. Short on
 * purpose: the message a keystroke causes should show within 50 ms (BENCHMARKS.md,
 * "Wizard in the real app"), and the round trip takes 10–25 ms. Faster typing is
 * coalesced by the edit queue itself: keys typed while a batch is on its way go as one
 * edit in the next (see `editQueue`).
 */
export const TYPING_DELAY = 20;
