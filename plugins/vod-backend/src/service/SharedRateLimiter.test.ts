import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { Knex } from 'knex';
import { DatabaseVodStore } from '../database/DatabaseVodStore';
import { instantClock } from '../huaweicloud/__testUtils__/simulatedVod';
import {
  LimiterClock,
  RateLimiter,
  RateLimitWaitError,
} from '../huaweicloud/RateLimiter';
import { SharedRateLimiter } from './SharedRateLimiter';

describe('SharedRateLimiter', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  let store: DatabaseVodStore;
  let knex: Knex;

  beforeAll(async () => {
    knex = await databases.init('SQLITE_3');
    store = await DatabaseVodStore.create({
      database: mockServices.database({ knex }),
    });
  });

  /** Two replicas' limiters of one account, each with its own process limiter. */
  function replicas(limit: number, clock: LimiterClock, account: string) {
    const logger = { warn: jest.fn() };
    return [1, 2].map(
      () =>
        new SharedRateLimiter(new RateLimiter(limit, 60_000, clock), {
          store,
          account,
          operation: 'create',
          clock,
          marginMs: 250,
          logger,
        }),
    );
  }

  it('holds the account to its limit across two replicas, waiting out the window', async () => {
    const clock = instantClock();
    const [a, b] = replicas(2, clock, 'two-replicas');
    await a.acquire();
    await b.acquire();
    // Each replica's own limiter has room for one more; the account has none.
    await a.acquire();
    expect(clock.slept).toEqual([60_250]);
  });

  it('counts a call that ended late from when it ended', async () => {
    const clock = instantClock();
    const [a, b] = replicas(1, clock, 'late');
    const slot = await a.acquire();
    await clock.sleep(2_000); // a slow claim or a slow VOD: the call ends 2 s after its grant
    await slot.ended!();
    await b.acquire();
    expect(clock.slept).toEqual([2_000, 60_250]);
  });

  it('takes a spare slot only at once, booking nothing when there is none', async () => {
    const clock = instantClock();
    const [a, b] = replicas(2, clock, 'spare');
    await a.acquire();
    await expect(b.spareSlot(1)).rejects.toBeInstanceOf(RateLimitWaitError);
    expect(clock.slept).toEqual([]);
    await b.acquire(); // the refused spare booked nothing: the second place is free
    expect(clock.slept).toEqual([]);
  });

  it('gives the place of a call that was not made back to every replica', async () => {
    const clock = instantClock();
    const [a, b] = replicas(1, clock, 'released');
    const slot = await a.acquire();
    slot.release();
    // the release is written in the background
    for (let i = 0; i < 100; i++) {
      const row = await knex('vod_call_slots')
        .where({ account: 'released' })
        .first('started_at');
      if (Number(row.started_at) === 0) break;
      await new Promise(resolve => setTimeout(resolve, 10));
    }
    await b.acquire();
    expect(clock.slept).toEqual([]);
  });
});
