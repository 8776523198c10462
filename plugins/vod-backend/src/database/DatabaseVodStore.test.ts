// The store itself: its announcements of committed changes, and its migrations.
import type { Knex } from 'knex';
import {
  claim,
  describeStore,
  firstPending,
  knex,
  newPrefetch,
  store,
  T0,
  taskRow,
} from './__testUtils__/storeTests';

describeStore(() => {
  it('announces changes once committed, never for work rolled back, and not for a poll with nothing new', async () => {
    const seen: string[] = [];
    const announced = async (count: number) => {
      for (let i = 0; i < 200 && seen.length < count; i++) {
        await new Promise(resolve => setTimeout(resolve, 10));
      }
      await new Promise(resolve => setTimeout(resolve, 50)); // and nothing more
      return [...seen];
    };
    store.onChange(changes =>
      seen.push(...changes.map(c => `${c.status} ${c.entityRef ?? '-'}`)),
    );
    store.onChange(() => {
      throw new Error('a listener that breaks changes nothing');
    });

    const created = await store.createPrefetch(
      newPrefetch({ entityRef: 'resource:default/trailer' }),
    );
    expect(created.kind).toBe('created');
    expect(await announced(1)).toEqual(['pending resource:default/trailer']);
    expect(Number((await knex('vod_prefetches').count({ n: '*' }))[0].n)).toBe(
      1,
    ); // the breaking listener did not make it create again

    await expect(
      (store as any).transaction(async (trx: Knex.Transaction) => {
        (store as any).changed.get(trx).add((created as any).prefetch.id);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await announced(2)).toHaveLength(1);

    const task = await firstPending();
    await claim(task.rowId);
    await store.markAccepted(task, 'token-1', 'v1', T0, T0);
    expect(await announced(2)).toEqual([
      'pending resource:default/trailer',
      'processing resource:default/trailer',
    ]);
    const running = [{ url: 'https://a/1', status: 'processing' as const }];
    await store.recordPoll(task.rowId, running, T0 + 1, T0 + 2);
    expect(await announced(3)).toHaveLength(3); // the first results: progress to show
    await store.recordPoll(task.rowId, running, T0 + 3, T0 + 4);
    expect(await announced(4)).toHaveLength(3); // nothing new from VOD
    // …but the poll itself is recorded.
    expect(Number((await taskRow(task.rowId)).polled_at)).toBe(T0 + 3);
    await store.recordPoll(
      task.rowId,
      [{ url: 'https://a/1', status: 'succeed' }],
      T0 + 5,
    );
    expect((await announced(4)).slice(3)).toEqual([
      'succeeded resource:default/trailer',
    ]);
  });

  it('migrates down and up again', async () => {
    const directory = require('node:path').resolve(
      __dirname,
      '../../migrations',
    );
    await knex.migrate.rollback({ directory }, true);
    expect(await knex.schema.hasTable('vod_prefetches')).toBe(false);
    await knex.migrate.latest({ directory });
    expect(await knex.schema.hasTable('vod_quota_usage')).toBe(true);
  });
});
