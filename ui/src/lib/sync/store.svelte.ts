import {
  toAppError,
  type AppError,
  type Backend,
  type FieldChoice,
  type Resolved,
  type StaffRole,
  type SyncOutcome,
  type SyncView,
} from '../backend';

/** What the last "Sync now" of this session did. */
export type SyncAttempt =
  | { kind: 'synced'; outcome: Omit<SyncOutcome, 'view'> }
  | { kind: 'error'; error: AppError; at: number };

/** How often the sync state is asked for, in ms: at rest, and while a sync runs. */
export interface PollIntervals {
  idle: number;
  running: number;
}

export const POLL_INTERVALS: PollIntervals = { idle: 30_000, running: 500 };

/**
 * The app's sync state, shared by the sync area at the foot of the rail, the
 * Settings screen and the Conflicts screen. It holds the backend's latest `SyncView`
 * and what the last "Sync now" did; every verdict in it is the backend's.
 *
 * Answers are applied in order: a status poll that was sent before a newer view
 * arrived (from "Sync now", a new server, a registration) is dropped.
 */
export class SyncStore {
  /** The backend's latest answer; null until the first one. */
  view = $state.raw<SyncView | null>(null);
  /** Why the status could not be read, when the last poll failed. */
  statusError = $state.raw<AppError | null>(null);
  /** A "Sync now" of this window is on its way. */
  syncing = $state(false);
  attempt = $state.raw<SyncAttempt | null>(null);
  /** The clock relative times are shown against; moves on with every poll. */
  now = $state(Date.now());

  readonly #backend: Backend;
  readonly #intervals: PollIntervals;
  #generation = 0;
  #inFlight: Promise<void> | null = null;
  #again = false;
  #polling = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(backend: Backend, intervals: PollIntervals = POLL_INTERVALS) {
    this.#backend = backend;
    this.#intervals = intervals;
  }

  /** A sync is running: this window's, or the app's own background one. */
  get running(): boolean {
    return this.syncing || (this.view?.running ?? false);
  }

  /**
   * The last "Sync now" failed and no sync has succeeded since: its error still
   * describes the state. (A background sync that succeeds later moves `lastSyncAt`.)
   */
  get failing(): AppError | null {
    const attempt = this.attempt;
    if (attempt?.kind !== 'error') return null;
    const last = this.view?.lastSyncAt;
    const since = last ? Date.parse(last) : Number.NaN;
    return !Number.isNaN(since) && since >= attempt.at ? null : attempt.error;
  }

  /** Asks the backend for the state now. Calls made meanwhile share one extra round. */
  refresh(): Promise<void> {
    if (this.#inFlight) {
      this.#again = true;
      return this.#inFlight;
    }
    this.#inFlight = this.#poll().finally(() => (this.#inFlight = null));
    return this.#inFlight;
  }

  async #poll() {
    do {
      this.#again = false;
      const mine = this.#generation;
      try {
        const view = await this.#backend.syncStatus();
        if (mine === this.#generation) {
          this.view = view;
          this.statusError = null;
        }
      } catch (failure) {
        if (mine === this.#generation) this.statusError = toAppError(failure, 'read the sync status');
      }
      this.now = Date.now();
    } while (this.#again);
  }

  /** A view newer than any poll on its way. */
  #apply(view: SyncView) {
    this.#generation++;
    this.view = view;
    this.statusError = null;
    this.now = Date.now();
  }

  /** Pull, push, pull. Asks for the progress every 500 ms until it answers. */
  async syncNow(): Promise<void> {
    if (this.running) return;
    this.syncing = true;
    this.attempt = null;
    this.#schedule();
    try {
      const { view, ...outcome } = await this.#backend.syncNow();
      this.#apply(view);
      this.attempt = { kind: 'synced', outcome };
    } catch (failure) {
      this.attempt = { kind: 'error', error: toAppError(failure, 'sync with the server'), at: Date.now() };
      // The outbox, the last error and the server's state as they are now.
      void this.refresh();
    } finally {
      this.syncing = false;
      this.#schedule();
    }
  }

  /** Chooses the server (or none). Rejects with the backend's error; nothing changes then. */
  async setServerUrl(url: string | null): Promise<SyncView> {
    const view = await this.#backend.setServerUrl(url);
    this.#apply(view);
    this.attempt = null;
    return view;
  }

  /** Registers this person's key with the server. Rejects with the backend's error. */
  async registerKey(name: string, role: StaffRole): Promise<SyncView> {
    const view = await this.#backend.registerKey(name, role);
    this.#apply(view);
    this.attempt = null;
    return view;
  }

  /**
   * Settles a conflict with a side per field. The answer's state (one conflict fewer,
   * the outbox with the resolved change set) is shown at once. Rejects with the
   * backend's error; nothing changes then.
   */
  async resolveConflict(changeset: string, choices: FieldChoice[]): Promise<Resolved> {
    const resolved = await this.#backend.resolveConflict(changeset, choices);
    this.#apply(resolved.view);
    return resolved;
  }

  /** Forgets a refused change set once read. Rejects with the backend's error. */
  async dismissRejection(hash: string): Promise<SyncView> {
    const view = await this.#backend.dismissRejection(hash);
    this.#apply(view);
    return view;
  }

  /** Polls until the returned function is called: every 30 s, every 500 ms while a sync runs. */
  start(): () => void {
    this.#polling = true;
    void this.#tick();
    return () => this.stop();
  }

  stop() {
    this.#polling = false;
    clearTimeout(this.#timer);
  }

  async #tick() {
    clearTimeout(this.#timer);
    await this.refresh();
    this.#schedule();
  }

  #schedule() {
    clearTimeout(this.#timer);
    if (!this.#polling) return;
    const delay = this.running ? this.#intervals.running : this.#intervals.idle;
    this.#timer = setTimeout(() => void this.#tick(), delay);
  }
}
