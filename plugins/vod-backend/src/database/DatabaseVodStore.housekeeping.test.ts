// Housekeeping (housekeepingSql): shared values, expired idempotency keys, ended prefetches.
import { mockServices } from '@backstage/backend-test-utils';
import {
  claim,
  describeStore,
  firstPending,
  knex,
  newPrefetch,
  store,
  T0,
} from './__testUtils__/storeTests';
import { DatabaseVodStore } from './DatabaseVodStore';

describeStore(databaseId => {
  it('keeps the first value made for a name, also when instances race to make it', async () => {
    const name = `race-${databaseId}`;
    const values = await Promise.all(
      ['one', 'two', 'three'].map(async value =>
        (
          await DatabaseVodStore.create({
            database: mockServices.database({ knex }),
          })
        ).sharedValue(name, () => value),
      ),
    );
    expect(new Set(values).size).toBe(1);
    expect(await store.sharedValue(name, () => 'later')).toBe(values[0]);
  });

  it('forgets an expired idempotency key, and prunes keys past their expiry', async () => {
    const first = await store.createPrefetch(
      newPrefetch({
        now: T0,
        idempotency: { key: 'k', requestHash: 'h1', expiresAt: T0 + 100 },
      }),
    );
    const later = await store.createPrefetch(
      newPrefetch({
        now: T0 + 100,
        idempotency: { key: 'k', requestHash: 'h2', expiresAt: T0 + 200 },
      }),
    );
    expect(later.kind).toBe('created');
    expect((later as any).prefetch.id).not.toBe((first as any).prefetch.id);
    expect(await store.pruneIdempotencyKeys(T0 + 199)).toBe(0);
    expect(await store.pruneIdempotencyKeys(T0 + 200)).toBe(1);
  });

  it('prunes ended prefetches past retention, with their tasks and results', async () => {
    await store.createPrefetch(newPrefetch({ now: T0 }));
    const task = await firstPending();
    await claim(task.rowId);
    await store.markAccepted(task, 'token-1', 'v', T0, T0);
    await store.recordPoll(
      task.rowId,
      [{ url: 'https://a', status: 'succeed' }],
      T0 + 1,
      T0 + 2,
    );
    await store.createPrefetch(newPrefetch({ now: T0 })); // still pending: kept
    expect(await store.prunePrefetches(T0 + 1, 10)).toBe(0);
    expect(await store.prunePrefetches(T0 + 2, 10)).toBe(1);
    expect(await store.getPrefetch(task.prefetchId)).toBeUndefined();
    expect(await knex('vod_task_results')).toHaveLength(0);
    expect(await knex('vod_prefetches')).toHaveLength(1);
  });
});
