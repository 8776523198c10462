// The account's rate shared by replicas (callSlotsSql): numbered calls, raced by two stores.
import { mockServices } from '@backstage/backend-test-utils';
import { describeStore, knex, store, T0 } from './__testUtils__/storeTests';
import { DatabaseVodStore } from './DatabaseVodStore';
import type { CallSlotRequest } from './VodStore';

const request = (overrides: Partial<CallSlotRequest> = {}) => ({
  account: 'main',
  operation: 'create',
  limit: 3,
  windowMs: 60_000,
  now: T0,
  ...overrides,
});

describeStore(() => {
  it('numbers calls in order and holds the limit-th next until the window has passed', async () => {
    const taken = [];
    for (let i = 0; i < 3; i++) taken.push(await store.takeCallSlot(request()));
    expect(taken).toEqual([{ seq: 1 }, { seq: 2 }, { seq: 3 }]);
    expect(await store.takeCallSlot(request({ now: T0 + 59_000 }))).toEqual({
      waitMs: 1_000,
    });
    expect(await store.takeCallSlot(request({ now: T0 + 60_000 }))).toEqual({
      seq: 4,
    });
    // each account and operation has its own numbers
    expect(await store.takeCallSlot(request({ operation: 'query' }))).toEqual({
      seq: 1,
    });
  });

  it('lets two stores on one database make no more than the limit of calls in a window between them', async () => {
    const other = await DatabaseVodStore.create({
      database: mockServices.database({ knex }),
    });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? other : store).takeCallSlot(request({ limit: 4 })),
      ),
    );
    const granted = results.flatMap(r => ('seq' in r ? [r.seq] : []));
    expect(granted.sort()).toEqual([1, 2, 3, 4]);
    expect(await knex('vod_call_slots')).toHaveLength(4);
  });

  it('frees the place of a call that was not made, and never takes its number again', async () => {
    await store.takeCallSlot(request({ limit: 1 }));
    expect(await store.takeCallSlot(request({ limit: 1 }))).toEqual({
      waitMs: 60_000,
    });
    await store.releaseCallSlot('main', 'create', 1);
    expect(
      await store.takeCallSlot(request({ limit: 1, now: T0 + 1 })),
    ).toEqual({ seq: 2 });
  });

  it('never fills a pruned gap below the last number, and caps a wait on a time in the future', async () => {
    for (let i = 0; i < 3; i++) await store.takeCallSlot(request());
    await knex('vod_call_slots').where('seq', '<', 3).delete(); // as pruning does
    const later = request({ now: T0 + 60_000 });
    expect(await store.takeCallSlot(later)).toEqual({ seq: 4 });
    await knex('vod_call_slots')
      .where({ seq: 4 })
      .update({ started_at: T0 + 3_600_000 }); // a replica an hour ahead
    expect(await store.takeCallSlot(later)).toEqual({ seq: 5 });
    expect(await store.takeCallSlot(later)).toEqual({ seq: 6 });
    expect(await store.takeCallSlot(later)).toEqual({ waitMs: 60_000 });
  });

  it('counts a call moved to when it started from then, but never revives a released one', async () => {
    await store.takeCallSlot(request({ limit: 1 }));
    await store.moveCallSlot('main', 'create', 1, T0 + 5_000);
    expect(
      await store.takeCallSlot(request({ limit: 1, now: T0 + 60_000 })),
    ).toEqual({ waitMs: 5_000 });
    await store.releaseCallSlot('main', 'create', 1);
    await store.moveCallSlot('main', 'create', 1, T0 + 6_000);
    expect(
      await store.takeCallSlot(request({ limit: 1, now: T0 + 60_000 })),
    ).toEqual({ seq: 2 });
  });

  it('prunes old calls but keeps each account’s last, so numbering goes on', async () => {
    for (let i = 0; i < 3; i++) {
      await store.takeCallSlot(request({ now: T0 + i * 100_000 }));
    }
    expect(await store.pruneCallSlots(T0 + 1_000_000)).toBe(2);
    expect(await store.takeCallSlot(request({ now: T0 + 1_000_000 }))).toEqual({
      seq: 4,
    });
  });
});
