/**
 * Screens whose code is fetched on first use. The window's first frame then parses,
 * styles and lays out only what the tenants list needs (BENCHMARKS.md, *App start*);
 * the other screens arrive in the background right after it, so opening one later does
 * not wait either.
 */
type Loaders = Record<string, () => Promise<{ default: unknown }>>;
type Loaded<L extends Loaders> = { [K in keyof L]?: Awaited<ReturnType<L[K]>>['default'] };

export interface LazyScreens<L extends Loaders> {
  /** The screens loaded so far (reactive). */
  readonly loaded: Loaded<L>;
  /** Loads one screen (once); rejects with the reason when its code cannot be loaded. */
  load(key: keyof L): Promise<void>;
  /** Loads every screen, one after the other, ignoring failures (a later `load` says them). */
  loadAll(): Promise<void>;
}

export function lazyScreens<L extends Loaders>(loaders: L): LazyScreens<L> {
  let loaded = $state.raw<Loaded<L>>({});
  // Not reactive: only `loaded` is rendered from.
  const pending: Partial<Record<keyof L, Promise<void>>> = {};

  function load(key: keyof L): Promise<void> {
    let loading = pending[key];
    if (!loading) {
      loading = (loaders[key] as L[keyof L])().then(
        (module) => {
          loaded = { ...loaded, [key]: module.default };
        },
        (error: unknown) => {
          // Forgotten so that the next attempt tries again.
          delete pending[key];
          throw error;
        },
      );
      pending[key] = loading;
    }
    return loading;
  }

  async function loadAll(): Promise<void> {
    for (const key of Object.keys(loaders) as (keyof L)[]) {
      try {
        await load(key);
      } catch {
        // Said when the screen is opened.
      }
    }
  }

  return {
    get loaded() {
      return loaded;
    },
    load,
    loadAll,
  };
}

/** Runs `task` once the page is idle after its first frames (WebKitGTK may lack requestIdleCallback). */
export function whenIdle(task: () => void, fallbackMs = 300): void {
  const idle = (globalThis as { requestIdleCallback?: (cb: () => void, options?: { timeout: number }) => void })
    .requestIdleCallback;
  if (idle) idle(task, { timeout: 2000 });
  else setTimeout(task, fallbackMs);
}
