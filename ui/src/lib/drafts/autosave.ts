import { latestOnly, toAppError, type AppError } from '../backend';

export type SaveStatus = { kind: 'saving' } | { kind: 'saved' } | { kind: 'error'; error: AppError };

export interface Autosave<T> {
  /** Saves `value` once the user pauses; a newer value replaces one not sent yet. */
  schedule(value: T): void;
  /**
   * Sends what is scheduled now, then waits for the latest save to settle (even one
   * started while waiting). Resolves `true` when everything typed is saved.
   */
  flush(): Promise<boolean>;
  /** Forgets what is scheduled and ignores answers still on their way. */
  cancel(): void;
  /** Whether a save is scheduled or on its way. */
  readonly busy: boolean;
}

/**
 * Debounced saving where only the answer to the latest save counts (`latestOnly`), so
 * a slow answer never overwrites what came after it. `onsaved` receives only current
 * answers; `onstatus` says what the user should see.
 */
export function autosave<T, R>(
  save: (value: T) => Promise<R>,
  {
    delay,
    action,
    onsaved,
    onstatus,
  }: { delay: number; action: string; onsaved: (answer: R) => void; onstatus: (status: SaveStatus) => void },
): Autosave<T> {
  const latest = latestOnly(save);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let scheduled: { value: T } | null = null;
  let inFlight: Promise<boolean> | null = null;
  let lastSucceeded = true;

  function send(): Promise<boolean> {
    clearTimeout(timer);
    timer = undefined;
    const { value } = scheduled!;
    scheduled = null;
    const call: Promise<boolean> = latest.run(value).then(
      (answer) => {
        if (!answer.current) return lastSucceeded;
        lastSucceeded = true;
        onsaved(answer.value);
        // Typing that went on while this save was away is not saved yet.
        onstatus(scheduled ? { kind: 'saving' } : { kind: 'saved' });
        return true;
      },
      (failure: unknown) => {
        lastSucceeded = false;
        onstatus({ kind: 'error', error: toAppError(failure, action) });
        return false;
      },
    );
    inFlight = call;
    void call.finally(() => {
      if (inFlight === call) inFlight = null;
    });
    return call;
  }

  return {
    schedule(value) {
      scheduled = { value };
      clearTimeout(timer);
      onstatus({ kind: 'saving' });
      timer = setTimeout(() => void send(), delay);
    },
    async flush() {
      if (scheduled) void send();
      // A save may start while we wait (the user keeps typing): wait for that one too.
      while (inFlight || scheduled) {
        if (scheduled) void send();
        const waiting = inFlight!;
        const outcome = await waiting;
        if (inFlight === null && !scheduled) return outcome;
      }
      return lastSucceeded;
    },
    cancel() {
      clearTimeout(timer);
      timer = undefined;
      scheduled = null;
      latest.invalidate();
      inFlight = null;
    },
    get busy() {
      return scheduled !== null || inFlight !== null;
    },
  };
}
