import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deferred } from '../../test/fixtures';
import { autosave, type SaveStatus } from './autosave';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

function setup(save: (value: string) => Promise<string>) {
  const statuses: SaveStatus['kind'][] = [];
  const saved: string[] = [];
  const saver = autosave(save, {
    delay: 400,
    action: 'save your changes',
    onsaved: (answer) => saved.push(answer),
    onstatus: (status) => statuses.push(status.kind),
  });
  return { saver, statuses, saved };
}

describe('autosave', () => {
  it('sends only the last value of a burst, once the delay has passed', async () => {
    const save = vi.fn(async (value: string) => `saved ${value}`);
    const { saver, statuses, saved } = setup(save);

    saver.schedule('a');
    saver.schedule('ab');
    await vi.advanceTimersByTimeAsync(399);
    expect(save).not.toHaveBeenCalled();
    expect(saver.busy).toBe(true);

    await vi.advanceTimersByTimeAsync(1);
    expect(save).toHaveBeenCalledExactlyOnceWith('ab');
    expect(saved).toEqual(['saved ab']);
    expect(statuses.at(-1)).toBe('saved');
    expect(saver.busy).toBe(false);
  });

  it('flush sends at once and waits for a save started while it waited', async () => {
    const answers: ReturnType<typeof deferred<string>>[] = [];
    const save = vi.fn(() => {
      const d = deferred<string>();
      answers.push(d);
      return d.promise;
    });
    const { saver, saved } = setup(save);

    saver.schedule('first');
    const flushed = saver.flush();
    expect(save).toHaveBeenCalledExactlyOnceWith('first');

    // The user types again while the first save is away; its timer fires.
    saver.schedule('second');
    await vi.advanceTimersByTimeAsync(400);
    expect(save).toHaveBeenLastCalledWith('second');

    let done = false;
    void flushed.then(() => (done = true));
    answers[0]!.resolve('one');
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(false);

    answers[1]!.resolve('two');
    await expect(flushed).resolves.toBe(true);
    // The stale answer to "first" was dropped.
    expect(saved).toEqual(['two']);
  });

  it('reports a failure of the latest save, and flush says it did not save', async () => {
    const { saver, statuses } = setup(async () => {
      throw { code: 'storage', message: 'The disk is full.', fields: [] };
    });
    saver.schedule('x');
    await expect(saver.flush()).resolves.toBe(false);
    expect(statuses.at(-1)).toBe('error');
  });
});
