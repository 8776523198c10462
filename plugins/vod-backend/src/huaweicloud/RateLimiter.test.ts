import { LimiterClock, RateLimiter, RateLimitWaitError } from './RateLimiter';

/**
 * A clock that only moves when told to. `sleep` resolves once `advance` has moved the time past
 * its end (or rejects when aborted), so waiting code runs exactly as with real time.
 */
function manualClock(start = 0) {
  let time = start;
  const sleepers: Array<{ until: number; resolve: () => void }> = [];
  const clock: LimiterClock = {
    now: () => time,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        const sleeper = { until: time + ms, resolve };
        sleepers.push(sleeper);
        signal?.addEventListener('abort', () => {
          sleepers.splice(sleepers.indexOf(sleeper), 1);
          reject(signal.reason);
        });
      }),
  };
  const flush = () => new Promise(resolve => setImmediate(resolve));
  return {
    clock,
    async advance(ms: number) {
      await flush(); // what is due now happens before the time moves
      time += ms;
      for (const s of sleepers.filter(x => x.until <= time)) {
        sleepers.splice(sleepers.indexOf(s), 1);
        s.resolve();
      }
      await flush();
    },
    flush,
  };
}

/** Starts `n` acquires and records when each was granted. */
function acquireAll(limiter: RateLimiter, clock: LimiterClock, n: number) {
  const grantedAt: number[] = [];
  const all = Array.from({ length: n }, (_, i) =>
    limiter.acquire().then(slot => {
      grantedAt[i] = clock.now();
      return slot;
    }),
  );
  return { grantedAt, all };
}

describe('RateLimiter', () => {
  it('lets the first `limit` calls of a window through at once', async () => {
    const { clock, flush } = manualClock();
    const limiter = new RateLimiter(10, 60_000, clock);
    const { grantedAt } = acquireAll(limiter, clock, 10);
    await flush();
    expect(grantedAt).toEqual(Array(10).fill(0));
    expect(limiter.expectedWait()).toBe(60_000);
  });

  it('grants the 11th call when the first is a minute old, and so on in order', async () => {
    const m = manualClock();
    const limiter = new RateLimiter(10, 60_000, m.clock);
    for (let i = 0; i < 10; i++) {
      await limiter.acquire();
      await m.advance(1000); // calls at 0 s, 1 s, ... 9 s
    }
    const { grantedAt } = acquireAll(limiter, m.clock, 2); // asked at 10 s
    expect(limiter.expectedWait()).toBe(52_000); // a third would start at 62 s
    await m.advance(49_999);
    expect(grantedAt).toEqual([]);
    await m.advance(1);
    expect(grantedAt).toEqual([60_000]);
    await m.advance(1000);
    expect(grantedAt).toEqual([60_000, 61_000]);
  });

  it('never lets more than `limit` calls start in any rolling window', async () => {
    const m = manualClock(1_000_000);
    const limiter = new RateLimiter(10, 60_000, m.clock);
    const starts: number[] = [];
    // 200 callers arriving irregularly, in bursts
    for (let i = 0; i < 200; i++) {
      void limiter.acquire().then(() => starts.push(m.clock.now()));
      await m.advance(i % 17 === 0 ? 7_000 : 150);
    }
    for (let t = 0; t < 25 * 60; t++) await m.advance(1000);
    expect(starts).toHaveLength(200);
    for (let i = 0; i + 10 < starts.length; i++) {
      expect(starts[i + 10] - starts[i]).toBeGreaterThanOrEqual(60_000);
    }
    // ...and keeps up: 200 calls at 10 a minute need a little under 20 minutes
    expect(starts[199] - starts[0]).toBeLessThan(20 * 60_000);
  });

  it('gives a spare slot only while the headroom stays free, booking nothing otherwise', async () => {
    const m = manualClock();
    const limiter = new RateLimiter(4, 60_000, m.clock);
    await limiter.acquire();
    expect(limiter.spareSlot(2)).toBeDefined(); // 2 used, 2 left
    expect(() => limiter.spareSlot(2)).toThrow(RateLimitWaitError);
    // Nothing was booked: 10,000 refused callers leave the others' slots where they were.
    for (let i = 0; i < 10_000; i++) {
      expect(() => limiter.spareSlot(2)).toThrow(RateLimitWaitError);
    }
    expect(limiter.expectedWait()).toBe(0);
    const refused = (() => {
      try {
        limiter.spareSlot(2);
      } catch (error) {
        return error as RateLimitWaitError;
      }
      return undefined;
    })();
    expect(refused?.retryAfterMs).toBe(60_000); // when the first call leaves the window
    await m.advance(60_000);
    expect(limiter.spareSlot(2)).toBeDefined();
  });

  it('never gives a spare slot past a waiter', async () => {
    const m = manualClock();
    const limiter = new RateLimiter(1, 60_000, m.clock);
    await limiter.acquire();
    const waiting = acquireAll(limiter, m.clock, 1);
    await m.advance(60_000);
    expect(waiting.grantedAt).toEqual([60_000]);
    void limiter.acquire(); // queued for 120 s
    await m.flush();
    expect(() => limiter.spareSlot(0)).toThrow(RateLimitWaitError);
  });

  it('takes an aborted waiter out of the queue, so the next one moves up', async () => {
    const m = manualClock();
    const limiter = new RateLimiter(1, 60_000, m.clock);
    await limiter.acquire();
    const gone = new AbortController();
    const first = limiter.acquire(gone.signal);
    const second = acquireAll(limiter, m.clock, 1);
    expect(limiter.expectedWait()).toBe(180_000);
    gone.abort(new Error('caller left'));
    await expect(first).rejects.toThrow('caller left');
    expect(limiter.expectedWait()).toBe(120_000);
    await m.advance(60_000);
    expect(second.grantedAt).toEqual([60_000]);
  });

  it('gives a released slot to the next waiter at once', async () => {
    const m = manualClock();
    const limiter = new RateLimiter(1, 60_000, m.clock);
    const slot = await limiter.acquire();
    const next = acquireAll(limiter, m.clock, 1);
    await m.advance(5_000);
    expect(next.grantedAt).toEqual([]);
    slot.release();
    slot.release(); // twice is once
    await m.flush();
    expect(next.grantedAt).toEqual([5_000]);
    expect(limiter.expectedWait()).toBe(60_000);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new RateLimiter(0, 1000)).toThrow(
      'rate limit must be a positive integer, got 0',
    );
  });
});
