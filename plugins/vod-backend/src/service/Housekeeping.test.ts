import type { VodStore } from '../database/VodStore';
import { Housekeeping } from './Housekeeping';

/** The pruning calls of a store, recording what they were asked. */
function prunableStore(prefetchBatches: number[]) {
  const asked: string[] = [];
  const store = {
    pruneIdempotencyKeys: async (now: number) => {
      asked.push(`keys before ${now}`);
      return 3;
    },
    pruneCallSlots: async (before: number) => {
      asked.push(`call slots before ${before}`);
      return 7;
    },
    prunePrefetches: async (before: number, limit: number) => {
      asked.push(`prefetches before ${before}, ${limit} at a time`);
      return prefetchBatches.shift() ?? 0;
    },
  } as Partial<VodStore> as VodStore;
  return { store, asked };
}

describe('Housekeeping', () => {
  const logger = { info: jest.fn() };
  const now = () => 10_000_000;

  it('forgets expired keys and keeps every prefetch when no retention is set', async () => {
    const { store, asked } = prunableStore([500]);
    const result = await new Housekeeping({ store, now, logger }).run();
    expect(result).toEqual({ keys: 3, prefetches: 0 });
    // numbered VOD calls are kept 10 minutes, well past the rate's one-minute window
    expect(asked).toEqual([
      'keys before 10000000',
      'call slots before 9400000',
    ]);
  });

  it('deletes ended prefetches past retention, batch after batch until one is short', async () => {
    const { store, asked } = prunableStore([500, 500, 12]);
    const result = await new Housekeeping({
      store,
      now,
      logger,
      retentionMs: 1_000_000,
    }).run();
    expect(result).toEqual({ keys: 3, prefetches: 1012 });
    expect(asked.slice(2)).toEqual(
      Array(3).fill('prefetches before 9000000, 500 at a time'),
    );
    expect(logger.info).toHaveBeenCalledWith(
      'housekeeping: forgot 3 expired idempotency key(s), deleted 1012 prefetch(es) past retention',
    );
  });
});
