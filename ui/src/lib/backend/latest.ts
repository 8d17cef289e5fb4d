/** The answer of a call made through `latestOnly`. */
export type Latest<R> = { current: true; value: R } | { current: false };

export interface LatestOnly<A, R> {
  /**
   * Calls the function. Resolves with `{ current: true, value }` only if no later
   * call was made (and `invalidate` was not called) before this one settled;
   * otherwise with `{ current: false }`, whether it succeeded or failed.
   * Failures of the latest call are rethrown.
   */
  run(arg: A): Promise<Latest<R>>;
  /** Makes every call still in flight stale. */
  invalidate(): void;
}

/**
 * Wraps an async function so that only the most recent call's answer counts.
 * Used for validation as the user types: answers can come back out of order, and
 * an older answer must never overwrite a newer one.
 */
export function latestOnly<A, R>(fn: (arg: A) => Promise<R>): LatestOnly<A, R> {
  let generation = 0;
  return {
    async run(arg) {
      const mine = ++generation;
      try {
        const value = await fn(arg);
        return mine === generation ? { current: true, value } : { current: false };
      } catch (failure) {
        if (mine === generation) throw failure;
        return { current: false };
      }
    },
    invalidate() {
      generation++;
    },
  };
}
