// Deadlocks of creates (withDeadlockRetries in prefetchWrites): a real one on PostgreSQL and
// MariaDB, and the database's own deadlock error on each try, so the tries can be counted.
import { mockServices } from '@backstage/backend-test-utils';
import type { CreatePrefetchResult, PrefetchChange } from './VodStore';
import {
  describeStore,
  knex,
  newPrefetch,
  store,
  T0,
} from './__testUtils__/storeTests';
import {
  deadlocking,
  heavyTransaction,
  realDeadlockError,
  replicas,
  untilLockWaits,
} from './__testUtils__/raceTests';
import { isDeadlock } from './deadlocks';

const DAY = '2026-11-25';

describeStore(databaseId => {
  let deadlockError: Error;
  beforeAll(async () => {
    deadlockError = await realDeadlockError(knex, databaseId);
  });

  // SQLite runs one writing transaction at a time: it cannot deadlock (skipped there, and
  // counted as skipped).
  (databaseId === 'SQLITE_3' ? describe.skip : describe)(
    'a real deadlock',
    () => {
      it('retries a batch of creates a real deadlock aborted, as a batch, and writes each once', async () => {
        await knex('vod_quota_usage').insert(
          ['main', 'eu'].map(account => ({ account, quota_day: DAY, used: 0 })),
        );
        const logger = mockServices.logger.mock();
        const [replica] = await replicas(knex, 1, logger);
        // Each error is told twice (by the transaction's client and by knex's).
        const deadlocks = new Set<unknown>();
        const record = (error: unknown) => {
          if (isDeadlock(error)) deadlocks.add(error);
        };
        knex.on('query-error', record);
        // Another transaction locks the two quota rows the batch needs, in the other order.
        const other = await heavyTransaction(knex);
        const lock = (account: string) =>
          other('vod_quota_usage')
            .where({ account, quota_day: DAY })
            .increment('used', 0);
        const inputs = [newPrefetch(), newPrefetch({ account: 'eu' })];
        let created: Promise<CreatePrefetchResult[]> | undefined;
        try {
          await lock('eu');
          created = Promise.all(inputs.map(i => replica.createPrefetch(i)));
          await untilLockWaits(knex, 1); // the batch holds main's row and waits for eu's
          await lock('main'); // a deadlock: the batch is rolled back, and its retry waits
          await other.rollback();
          expect(await created).toEqual(
            inputs.map(input => ({
              kind: 'created',
              prefetch: expect.objectContaining({ id: input.id }),
            })),
          );
          expect(deadlocks.size).toBe(1);
        } finally {
          knex.off('query-error', record);
          if (!other.isCompleted()) await other.rollback();
          await created?.catch(() => {}); // nothing written after this test
        }
        expect(logger.warn).not.toHaveBeenCalled(); // not split up to be written one by one
        expect(await store.quotaUsed('main', DAY)).toBe(1);
        expect(await store.quotaUsed('eu', DAY)).toBe(1);
        expect(await knex('vod_prefetches')).toHaveLength(2);
        expect(await knex('vod_tasks')).toHaveLength(2);
      });
    },
  );

  it("retries creates whose transaction met the database's deadlock error three times, and writes them once", async () => {
    const { db, attempts } = deadlocking(knex, deadlockError, 3);
    const logger = mockServices.logger.mock();
    const [replica] = await replicas(db, 1, logger);
    const announced: PrefetchChange[] = [];
    replica.onChange(changes => announced.push(...changes));
    const inputs = [
      newPrefetch({ tasks: [{ units: 2 }, { units: 1 }] }),
      newPrefetch({
        idempotency: { key: 'k', requestHash: 'h', expiresAt: T0 + 1e9 },
      }),
    ];
    const results = await Promise.all(
      inputs.map(input => replica.createPrefetch(input)),
    );
    expect(results.map(r => r.kind)).toEqual(['created', 'created']);
    expect(attempts()).toBe(4); // the batch, three times again
    expect(logger.warn).not.toHaveBeenCalled();
    expect(announced.map(change => change.id)).toEqual(inputs.map(i => i.id));
    expect(await store.quotaUsed('main', DAY)).toBe(4);
    expect(await knex('vod_prefetches')).toHaveLength(2);
    expect(await knex('vod_tasks')).toHaveLength(3);
    expect(await knex('vod_idempotency_keys')).toHaveLength(1);
  });

  it('gives a create up after four deadlocks of its batch and four of its own, writing nothing', async () => {
    const { db, attempts } = deadlocking(knex, deadlockError, Infinity);
    const logger = mockServices.logger.mock();
    const [replica] = await replicas(db, 1, logger);
    const announced: PrefetchChange[] = [];
    replica.onChange(changes => announced.push(...changes));
    await expect(
      replica.createPrefetch(
        newPrefetch({
          idempotency: { key: 'k', requestHash: 'h', expiresAt: T0 + 1e9 },
        }),
      ),
    ).rejects.toBe(deadlockError);
    // A batch that failed is written again one by one (GroupCommit), with its own retries.
    expect(attempts()).toBe(8);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(announced).toEqual([]);
    expect(await store.quotaUsed('main', DAY)).toBe(0);
    expect(await knex('vod_prefetches')).toHaveLength(0);
    expect(await knex('vod_tasks')).toHaveLength(0);
    expect(await knex('vod_idempotency_keys')).toHaveLength(0);
  });

  it('does not retry an error that is no deadlock', async () => {
    const refused = Object.assign(new Error('permission denied'), {
      code: '42501',
    });
    const { db, attempts } = deadlocking(knex, refused, Infinity);
    const [replica] = await replicas(db, 1);
    await expect(replica.createPrefetch(newPrefetch())).rejects.toBe(refused);
    expect(attempts()).toBe(2); // the batch, then the create alone
  });
});
