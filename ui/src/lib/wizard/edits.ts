import { toAppError, type AppError, type Edit } from '../backend';

export type EditStatus =
  | { kind: 'saving' }
  | { kind: 'saved' }
  /** The backend refused the batch holding the edit of `path`: nothing of it was saved. */
  | { kind: 'error'; error: AppError; path: string | null };

export interface EditQueue {
  /**
   * Queues an edit. A `set` of a path replaces a `set` of the same path not sent yet;
   * `delay` is how long to wait for more typing (0 for a click).
   */
  push(edit: Edit, delay: number): void;
  /** Sends what is queued now and waits until nothing is queued or on its way. Resolves `true` when all of it was saved. */
  flush(): Promise<boolean>;
  /** Forgets what is queued; an answer still on its way is ignored. */
  cancel(): void;
  /** Whether an edit is queued or on its way. */
  readonly busy: boolean;
}

/**
 * Edits of a draft, sent to the backend one batch at a time and in order, so a later
 * edit is never overtaken by an earlier one (each batch reads the draft the previous one
 * saved). The backend's answer is handed on only when nothing newer is queued: what the
 * user typed since is never replaced by an older state.
 */
export function editQueue<R>(
  send: (edits: Edit[]) => Promise<R>,
  {
    action,
    onanswer,
    onstatus,
  }: { action: string; onanswer: (answer: R) => void; onstatus: (status: EditStatus) => void },
): EditQueue {
  let queued: Edit[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> | null = null;
  let generation = 0;
  let lastSucceeded = true;

  function pump() {
    clearTimeout(timer);
    timer = undefined;
    if (inFlight || queued.length === 0) return;
    const batch = queued;
    queued = [];
    const mine = generation;
    const call = send(batch).then(
      (answer) => {
        if (mine !== generation) return;
        lastSucceeded = true;
        if (queued.length === 0) {
          onanswer(answer);
          onstatus({ kind: 'saved' });
        }
      },
      (failure: unknown) => {
        if (mine !== generation) return;
        lastSucceeded = false;
        const error = toAppError(failure, action);
        // The batch is refused whole; the field to mark is the one the message names, else the last edited.
        const named = batch.find((edit) => error.message.includes(edit.path));
        onstatus({ kind: 'error', error, path: (named ?? batch[batch.length - 1])?.path ?? null });
      },
    );
    inFlight = call.finally(() => {
      inFlight = null;
      // Typing that went on while the batch was away goes next.
      if (queued.length > 0 && timer === undefined) pump();
    });
  }

  return {
    push(edit, delay) {
      const last = queued[queued.length - 1];
      if (edit.op === 'set' && last?.op === 'set' && last.path === edit.path) queued[queued.length - 1] = edit;
      else queued.push(edit);
      onstatus({ kind: 'saving' });
      clearTimeout(timer);
      timer = setTimeout(pump, delay);
    },
    async flush() {
      for (;;) {
        if (queued.length > 0 && !inFlight) pump();
        const waiting = inFlight;
        if (!waiting) return queued.length === 0 && lastSucceeded;
        await waiting;
      }
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
      queued = [];
      generation++;
      inFlight = null;
    },
    get busy() {
      return queued.length > 0 || inFlight !== null;
    },
  };
}

/** A stable element id for the field at a JSON pointer (ids cannot hold every character). */
export function fieldId(path: string): string {
  return `field${path.replace(/[^a-zA-Z0-9_-]/g, (c) => `-${c.charCodeAt(0).toString(16)}-`)}`;
}
