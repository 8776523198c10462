import { LimiterClock, RateLimiter } from './RateLimiter';

/** A clock that only moves when told to; `sleep` records and resolves at once. */
function manualClock(start = 0) {
  let time = start;
  const slept: number[] = [];
  const clock: LimiterClock = {
    now: () => time,
    sleep: async ms => {
      slept.push(ms);
    },
  };
  return { clock, slept, advance: (ms: number) => (time += ms) };
}

describe('RateLimiter', () => {
  it('lets the first `limit` calls of a window through at once', () => {
    const { clock } = manualClock();
    const limiter = new RateLimiter(10, 60_000, clock);
    const waits = Array.from({ length: 10 }, () => limiter.reserve());
    expect(waits).toEqual(Array(10).fill(0));
  });

  it('books the 11th call for when the first is a minute old, and so on in order', () => {
    const { clock, advance } = manualClock();
    const limiter = new RateLimiter(10, 60_000, clock);
    for (let i = 0; i < 10; i++) {
      limiter.reserve();
      advance(1000); // calls at 0 s, 1 s, ... 9 s
    }
    // now = 10 s
    expect(limiter.reserve()).toBe(50_000); // starts at 60 s
    expect(limiter.reserve()).toBe(51_000); // at 61 s
  });

  it('never lets more than `limit` calls start in any rolling window', () => {
    const { clock, advance } = manualClock(1_000_000);
    const limiter = new RateLimiter(10, 60_000, clock);
    const starts: number[] = [];
    // 200 callers arriving irregularly, in bursts
    for (let i = 0; i < 200; i++) {
      starts.push(clock.now() + limiter.reserve());
      advance(i % 17 === 0 ? 7_000 : 150);
    }
    for (let i = 0; i + 10 < starts.length; i++) {
      expect(starts[i + 10] - starts[i]).toBeGreaterThanOrEqual(60_000);
    }
    // ...and keeps up: 200 calls at 10 a minute need a little under 20 minutes
    expect(starts[199] - starts[0]).toBeLessThan(20 * 60_000);
  });

  it('frees slots as time passes', () => {
    const { clock, advance } = manualClock();
    const limiter = new RateLimiter(2, 1000, clock);
    limiter.reserve();
    limiter.reserve();
    advance(1000);
    expect(limiter.reserve()).toBe(0);
    expect(limiter.reserve()).toBe(0);
    expect(limiter.reserve()).toBe(1000);
  });

  it('acquire waits for the booked slot', async () => {
    const { clock, slept } = manualClock();
    const limiter = new RateLimiter(1, 6000, clock);
    await limiter.acquire();
    await limiter.acquire();
    expect(slept).toEqual([6000]);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new RateLimiter(0, 1000)).toThrow(
      'rate limit must be a positive integer, got 0',
    );
  });
});
