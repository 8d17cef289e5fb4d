import { describe, expect, it } from 'vitest';
import { lazyScreens } from './lazy.svelte';

describe('lazyScreens', () => {
  it('loads a screen once, however often it is asked for', async () => {
    let calls = 0;
    const screens = lazyScreens({ a: () => ((calls += 1), Promise.resolve({ default: 'A' })) });
    expect(screens.loaded.a).toBeUndefined();
    await Promise.all([screens.load('a'), screens.load('a')]);
    await screens.load('a');
    expect(screens.loaded.a).toBe('A');
    expect(calls).toBe(1);
  });

  it('says why a screen could not load, and tries again the next time', async () => {
    let fail = true;
    const screens = lazyScreens({
      a: () => (fail ? Promise.reject(new Error('chunk missing')) : Promise.resolve({ default: 'A' })),
    });
    await expect(screens.load('a')).rejects.toThrow('chunk missing');
    expect(screens.loaded.a).toBeUndefined();
    fail = false;
    await screens.load('a');
    expect(screens.loaded.a).toBe('A');
  });

  it('loads every screen in the background and does not stop at a failure', async () => {
    const screens = lazyScreens({
      broken: () => Promise.reject(new Error('no')),
      b: () => Promise.resolve({ default: 'B' }),
    });
    await screens.loadAll();
    expect(screens.loaded.b).toBe('B');
    expect(screens.loaded.broken).toBeUndefined();
  });
});
