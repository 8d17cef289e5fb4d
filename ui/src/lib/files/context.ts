import { getContext, setContext } from 'svelte';
import type { DraftId, Step, WizardView } from '../backend';

/**
 * What the file actions need from the wizard around them: which draft and step, a way
 * to save what is being typed first, and where to put the wizard the backend answers
 * with after a file was used.
 */
export interface FileHost {
  readonly draftId: DraftId;
  readonly step: Step;
  /** Sends the edits still waiting; `true` when everything is saved. */
  flush(): Promise<boolean>;
  /** Shows the wizard as the backend answered after importing or choosing a file. */
  accept(view: WizardView): void;
}

const KEY = Symbol('tenantry.files');

export function provideFileHost(host: FileHost): void {
  setContext(KEY, host);
}

export function useFileHost(): FileHost {
  const host = getContext<FileHost | undefined>(KEY);
  if (!host) throw new Error('A file action must be inside the wizard.');
  return host;
}
