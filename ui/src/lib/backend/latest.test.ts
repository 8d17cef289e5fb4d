import { describe, expect, it } from 'vitest';
import { deferred } from '../../test/fixtures';
import { latestOnly } from './latest';

describe('latestOnly', () => {
  it('drops an older answer that arrives after a newer one', async () => {
    const pending = new Map<string, ReturnType<typeof deferred<string>>>();
    const call = latestOnly((arg: string) => {
      const d = deferred<string>();
      pending.set(arg, d);
      return d.promise;
    });

    const first = call.run('a');
    const second = call.run('ab');
    pending.get('ab')?.resolve('answer for ab');
    pending.get('a')?.resolve('answer for a');

    await expect(second).resolves.toEqual({ current: true, value: 'answer for ab' });
    await expect(first).resolves.toEqual({ current: false });
  });

  it('keeps an answer when no later call was made', async () => {
    const call = latestOnly(async (arg: number) => arg * 2);
    await expect(call.run(21)).resolves.toEqual({ current: true, value: 42 });
  });

  it('makes calls in flight stale on invalidate', async () => {
    const d = deferred<string>();
    const call = latestOnly(() => d.promise);
    const answer = call.run(undefined);
    call.invalidate();
    d.resolve('late');
    await expect(answer).resolves.toEqual({ current: false });
  });

  it('rethrows failures of the latest call and swallows those of stale ones', async () => {
    const first = deferred<string>();
    const second = deferred<string>();
    const queue = [first, second];
    const call = latestOnly(() => queue.shift()!.promise);

    const stale = call.run(undefined);
    const latest = call.run(undefined);
    first.reject(new Error('stale failure'));
    second.reject(new Error('latest failure'));

    await expect(stale).resolves.toEqual({ current: false });
    await expect(latest).rejects.toThrow('latest failure');
  });
});
