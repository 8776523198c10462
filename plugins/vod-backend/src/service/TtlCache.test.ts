import { TtlCache } from './TtlCache';

describe('TtlCache', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000;
  });

  it('reuses an answer until its TTL has passed, counted from when it settled', async () => {
    const cache = new TtlCache<number>({ ttlMs: 5_000, now: clock });
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('k', load)).toBe(1);
    now += 4_999;
    expect(await cache.get('k', load)).toBe(1);
    now += 1;
    expect(await cache.get('k', load)).toBe(2);
    expect(await cache.get('other', load)).toBe(3);
  });

  it('shares one load among concurrent asks, also with a zero TTL, and forgets it once settled', async () => {
    const cache = new TtlCache<string>({ ttlMs: 0, now: clock });
    let loads = 0;
    let release!: (v: string) => void;
    const load = () => {
      loads++;
      return new Promise<string>(resolve => {
        release = resolve;
      });
    };
    const first = cache.get('k', load);
    const second = cache.get('k', load);
    release('answer');
    expect(await Promise.all([first, second])).toEqual(['answer', 'answer']);
    expect(loads).toBe(1);
    const third = cache.get('k', load);
    release('again');
    expect(await third).toBe('again');
    expect(loads).toBe(2);
  });

  it('forgets a failed load at once, so the next ask tries again', async () => {
    const cache = new TtlCache<number>({ ttlMs: 5_000, now: clock });
    await expect(
      cache.get('k', () => Promise.reject(new Error('down'))),
    ).rejects.toThrow('down');
    expect(await cache.get('k', async () => 7)).toBe(7);
  });

  it('drops the oldest entries beyond its size', async () => {
    const cache = new TtlCache<string>({
      ttlMs: 60_000,
      now: clock,
      maxEntries: 2,
    });
    await cache.get('a', async () => 'a1');
    await cache.get('b', async () => 'b1');
    await cache.get('c', async () => 'c1');
    expect(cache.lookup('a')).toBeUndefined();
    expect(await cache.lookup('b')).toBe('b1');
    expect(await cache.lookup('c')).toBe('c1');
  });

  it('fails a load that hangs after its timeout with a 503, and forgets it', async () => {
    jest.useFakeTimers();
    try {
      const cache = new TtlCache<string>({
        ttlMs: 60_000,
        now: clock,
        loadTimeoutMs: 10_000,
        source: 'the permission backend',
      });
      const hanging = cache.get('k', () => new Promise<string>(() => {}));
      const waiting = cache.get('k', async () => 'unused'); // shares the hanging load
      jest.advanceTimersByTime(10_000);
      for (const ask of [hanging, waiting]) {
        await expect(ask).rejects.toMatchObject({
          name: 'ServiceUnavailableError',
          message: 'the permission backend did not answer within 10 s',
        });
      }
      expect(await cache.get('k', async () => 'fresh')).toBe('fresh');
    } finally {
      jest.useRealTimers();
    }
  });
});
