import { lazy } from '../../src/toolkit/lazy';
import { createLimit, mapLimit } from '../../src/toolkit/pool';

/** A task that records how many tasks run at once, finishing when the test says so. */
function gate() {
  let running = 0;
  let peak = 0;
  const started: number[] = [];
  const finish = new Map<number, () => void>();
  const task =
    (id: number, fail = false) =>
    async () => {
      running++;
      peak = Math.max(peak, running);
      started.push(id);
      await new Promise<void>((resolve) => finish.set(id, resolve));
      running--;
      if (fail) throw new Error(`task ${id} failed`);
      return id * 10;
    };
  const tick = () => new Promise((r) => setImmediate(r));
  return { task, finish, started, peak: () => peak, tick };
}

describe('createLimit', () => {
  it('runs at most its limit at once and starts the waiting ones in call order', async () => {
    const g = gate();
    const limit = createLimit(2);
    const all = [1, 2, 3, 4].map((id) => limit(g.task(id)));
    await g.tick();
    expect(g.started).toEqual([1, 2]);
    g.finish.get(2)!();
    await g.tick();
    expect(g.started).toEqual([1, 2, 3]);
    g.finish.get(1)!();
    await g.tick();
    expect(g.started).toEqual([1, 2, 3, 4]);
    g.finish.get(3)!();
    g.finish.get(4)!();
    await expect(Promise.all(all)).resolves.toEqual([10, 20, 30, 40]);
    expect(g.peak()).toBe(2);
  });

  it('frees the slot of a rejected task', async () => {
    const g = gate();
    const limit = createLimit(1);
    const first = limit(g.task(1, true));
    const second = limit(g.task(2));
    await g.tick();
    g.finish.get(1)!();
    await expect(first).rejects.toThrow('task 1 failed');
    await g.tick();
    expect(g.started).toEqual([1, 2]);
    g.finish.get(2)!();
    await expect(second).resolves.toBe(20);
  });

  it('treats a limit below 1 as 1', async () => {
    const g = gate();
    const limit = createLimit(0);
    const all = [1, 2].map((id) => limit(g.task(id)));
    await g.tick();
    expect(g.started).toEqual([1]);
    g.finish.get(1)!();
    await g.tick();
    g.finish.get(2)!();
    await Promise.all(all);
    expect(g.peak()).toBe(1);
  });
});

describe('mapLimit', () => {
  it('keeps the items order in its results', async () => {
    const delays = [30, 1, 15, 5];
    const out = await mapLimit(delays, 3, (ms) => new Promise<number>((r) => setTimeout(() => r(ms * 2), ms)));
    expect(out).toEqual([60, 2, 30, 10]);
  });

  it('starts no new item after a failure, lets those in flight finish, and rejects with the first failure', async () => {
    const g = gate();
    const done = mapLimit([1, 2, 3, 4], 2, (id) => g.task(id, id === 1)());
    await g.tick();
    g.finish.get(1)!();
    await g.tick();
    // item 3 would start now without the failure
    expect(g.started).toEqual([1, 2]);
    g.finish.get(2)!();
    await expect(done).rejects.toThrow('task 1 failed');
    expect(g.started).toEqual([1, 2]);
  });
});

describe('lazy', () => {
  it('loads once for every caller and retries after a failed load', async () => {
    let calls = 0;
    const load = lazy(async () => {
      calls++;
      if (calls === 1) throw new Error('chunk missing');
      return { calls };
    });
    await expect(load()).rejects.toThrow('chunk missing');
    const [a, b] = await Promise.all([load(), load()]);
    expect(a).toBe(b);
    expect(calls).toBe(2);
  });
});
