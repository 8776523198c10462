import { TtlCache } from './TtlCache';

describe('TtlCache', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000;
  });

  it('reuses an answer until its TTL has passed, counted from when it settled', async () => {
    const cache = new TtlCache<number>(5_000, clock);
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
    const cache = new TtlCache<string>(0, clock);
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
    const cache = new TtlCache<number>(5_000, clock);
    await expect(
      cache.get('k', () => Promise.reject(new Error('down'))),
    ).rejects.toThrow('down');
    expect(await cache.get('k', async () => 7)).toBe(7);
  });

  it('drops the oldest entries beyond its size', async () => {
    const cache = new TtlCache<string>(60_000, clock, 2);
    await cache.get('a', async () => 'a1');
    await cache.get('b', async () => 'b1');
    await cache.get('c', async () => 'c1');
    expect(cache.lookup('a')).toBeUndefined();
    expect(await cache.lookup('b')).toBe('b1');
    expect(await cache.lookup('c')).toBe('c1');
  });
});
