import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import type { Knex } from 'knex';
import { DatabaseVodStore } from './DatabaseVodStore';
import type { NewPrefetch } from './VodStore';

jest.setTimeout(60_000);

const databases = TestDatabases.create({
  ids: ['SQLITE_3', 'POSTGRES_15', 'MYSQL_8'],
});

const ASSET = 'f488337c31c8e4622f1590735b134c65';
const T0 = Date.parse('2026-11-25T10:00:00Z');
let counter = 0;

function newPrefetch(overrides: Partial<NewPrefetch> = {}): NewPrefetch {
  counter += 1;
  return {
    id: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    account: 'main',
    projectId: 'p1',
    assetId: ASSET,
    createdBy: 'user:default/guest',
    now: T0 + counter,
    quotaDay: '2026-11-25',
    quotaLimit: 1000,
    tasks: [{ units: 1 }],
    ...overrides,
  };
}

describe.each(databases.eachSupportedId())(
  'DatabaseVodStore on %s',
  databaseId => {
    let knex: Knex;
    let store: DatabaseVodStore;

    beforeAll(async () => {
      knex = await databases.init(databaseId as TestDatabaseId);
      store = await DatabaseVodStore.fromKnex(knex);
    });
    beforeEach(async () => {
      for (const table of [
        'vod_idempotency_keys',
        'vod_task_results',
        'vod_tasks',
        'vod_prefetches',
        'vod_quota_usage',
      ]) {
        await knex(table).delete();
      }
    });

    it('records a prefetch as pending with its tasks and quota', async () => {
      const urls = Array.from(
        { length: 12 },
        (_, i) => `https://cdn.example.com/${i}.mp4`,
      );
      const result = await store.createPrefetch(
        newPrefetch({
          assetId: undefined,
          urls,
          entityRef: 'resource:default/trailer',
          tasks: [
            { urls: urls.slice(0, 10), units: 10 },
            { urls: urls.slice(10), units: 2 },
          ],
        }),
      );
      expect(result.kind).toBe('created');
      const prefetch = result.kind === 'created' ? result.prefetch : undefined;
      expect(prefetch).toMatchObject({
        status: 'pending',
        account: 'main',
        urls,
        entityRef: 'resource:default/trailer',
        possibleDuplicate: false,
      });
      expect(prefetch!.tasks!.map(t => [t.status, t.urls?.length])).toEqual([
        ['pending', 10],
        ['pending', 2],
      ]);
      expect(await store.quotaUsed('main', '2026-11-25')).toBe(12);
    });

    it('refuses a prefetch over the quota and writes nothing of it', async () => {
      await store.createPrefetch(
        newPrefetch({ quotaLimit: 2, tasks: [{ units: 2 }] }),
      );
      const over = await store.createPrefetch(
        newPrefetch({ id: 'over', quotaLimit: 2 }),
      );
      expect(over).toEqual({ kind: 'over-quota', used: 2 });
      expect(await store.getPrefetch('over')).toBeUndefined();
      // another day has its own quota
      const tomorrow = await store.createPrefetch(
        newPrefetch({ quotaLimit: 2, quotaDay: '2026-11-26' }),
      );
      expect(tomorrow.kind).toBe('created');
    });

    it('replays an idempotency key with the same request and refuses it with another', async () => {
      const first = await store.createPrefetch(
        newPrefetch({ idempotency: { key: 'k1', requestHash: 'h1' } }),
      );
      const again = await store.createPrefetch(
        newPrefetch({ idempotency: { key: 'k1', requestHash: 'h1' } }),
      );
      const other = await store.createPrefetch(
        newPrefetch({ idempotency: { key: 'k1', requestHash: 'h2' } }),
      );
      expect(again).toEqual({
        kind: 'replayed',
        prefetch: (first as any).prefetch,
      });
      expect(other).toEqual({ kind: 'key-conflict' });
      expect(await store.quotaUsed('main', '2026-11-25')).toBe(1);
      // keys belong to their caller
      const someoneElse = await store.createPrefetch(
        newPrefetch({
          createdBy: 'user:default/li.wei',
          idempotency: { key: 'k1', requestHash: 'h2' },
        }),
      );
      expect(someoneElse.kind).toBe('created');
    });

    it('spends exactly the quota under concurrent creates', async () => {
      const results = await Promise.all(
        Array.from({ length: 30 }, () =>
          store.createPrefetch(newPrefetch({ quotaLimit: 10 })),
        ),
      );
      expect(results.filter(r => r.kind === 'created')).toHaveLength(10);
      expect(await store.quotaUsed('main', '2026-11-25')).toBe(10);
    });

    it('writes creates that arrive together in one batch, each with its own outcome', async () => {
      const inputs = [
        newPrefetch({ quotaLimit: 3 }),
        newPrefetch({ account: 'eu', quotaLimit: 5 }),
        newPrefetch({
          quotaLimit: 3,
          assetId: undefined,
          urls: [
            'https://cdn.example.com/a.mp4',
            'https://cdn.example.com/b.mp4',
          ],
          tasks: [
            {
              urls: [
                'https://cdn.example.com/a.mp4',
                'https://cdn.example.com/b.mp4',
              ],
              units: 2,
            },
          ],
        }),
        newPrefetch({ quotaLimit: 3 }), // 1 + 2 + 1 > 3: over quota
        newPrefetch({ quotaLimit: 3, quotaDay: '2026-11-26' }),
      ];
      const results = await Promise.all(
        inputs.map(input => store.createPrefetch(input)),
      );
      expect(results.map(r => r.kind)).toEqual([
        'created',
        'created',
        'created',
        'over-quota',
        'created',
      ]);
      expect(results[3]).toEqual({ kind: 'over-quota', used: 3 });
      expect(
        results.map(r => (r.kind === 'created' ? r.prefetch.id : r.kind)),
      ).toEqual([
        inputs[0].id,
        inputs[1].id,
        inputs[2].id,
        'over-quota',
        inputs[4].id,
      ]);
      expect(await store.quotaUsed('main', '2026-11-25')).toBe(3);
      expect(await store.quotaUsed('eu', '2026-11-25')).toBe(1);
      expect(await store.quotaUsed('main', '2026-11-26')).toBe(1);
      const ids = (await knex('vod_prefetches').select('id')).map(r => r.id);
      expect(ids.sort()).toEqual(
        [inputs[0], inputs[1], inputs[2], inputs[4]].map(i => i.id).sort(),
      );
      expect(await knex('vod_tasks').whereIn('prefetch_id', ids)).toHaveLength(
        4,
      );
      expect(await store.getPrefetch(inputs[2].id)).toMatchObject({
        status: 'pending',
        tasks: [{ status: 'pending', urls: inputs[2].urls }],
      });
    });

    it('spends one INSERT per table on a burst of creates', async () => {
      const statements: string[] = [];
      const record = (q: { sql: string }) => statements.push(q.sql);
      knex.on('query', record);
      try {
        const results = await Promise.all(
          Array.from({ length: 20 }, () => store.createPrefetch(newPrefetch())),
        );
        expect(results.every(r => r.kind === 'created')).toBe(true);
      } finally {
        knex.off('query', record);
      }
      const inserts = statements.filter(sql =>
        /^insert into [`"]?vod_(prefetches|tasks)\b/i.test(sql),
      );
      expect(inserts).toHaveLength(2);
      expect(await store.quotaUsed('main', '2026-11-25')).toBe(20);
    });

    it('retries a failing batch one by one, so only the bad create fails', async () => {
      const good = newPrefetch();
      const twin = newPrefetch();
      const clash = { ...newPrefetch(), id: twin.id }; // same primary key as twin
      const results = await Promise.allSettled([
        store.createPrefetch(good),
        store.createPrefetch(twin),
        store.createPrefetch(clash),
      ]);
      expect(results.map(r => r.status)).toEqual([
        'fulfilled',
        expect.any(String),
        expect.any(String),
      ]);
      // Exactly one of the two with the same id was written, and the good one was.
      expect(results.filter(r => r.status === 'rejected')).toHaveLength(1);
      expect(await store.getPrefetch(good.id)).toBeDefined();
      expect(await store.getPrefetch(twin.id)).toBeDefined();
      expect(await store.quotaUsed('main', '2026-11-25')).toBe(2);
    });

    it('records the tasks of a prefetch sent at once as claimed, with their row ids', async () => {
      // An earlier prefetch, so the new rows' ids are not simply 1 and 2.
      await store.createPrefetch(newPrefetch());
      const urls = (n: number) =>
        Array.from({ length: n }, (_, i) => `https://cdn.example.com/${i}.mp4`);
      const created = await store.createPrefetch(
        newPrefetch({
          assetId: undefined,
          urls: urls(12),
          tasks: [
            { urls: urls(10), units: 10 },
            { urls: urls(12).slice(10), units: 2 },
          ],
          claim: true,
        }),
      );
      if (created.kind !== 'created') throw new Error(created.kind);
      const rows = await knex('vod_tasks')
        .where({ prefetch_id: created.prefetch.id })
        .orderBy('seq');
      expect(created.claimed).toEqual(
        rows.map((row, seq) => ({
          rowId: Number(row.id),
          prefetchId: created.prefetch.id,
          account: 'main',
          assetId: undefined,
          urls: seq === 0 ? urls(10) : urls(12).slice(10),
          units: seq === 0 ? 10 : 2,
          sendCount: 1,
          possibleDuplicate: false,
        })),
      );
      expect(rows.map(r => [r.status, Number(r.send_count)])).toEqual([
        ['sending', 1],
        ['sending', 1],
      ]);
      // Claimed means taken: the outbox does not offer them again.
      expect(
        (await store.pendingTasks('main', 10)).map(t => t.prefetchId),
      ).not.toContain(created.prefetch.id);
      await store.markAccepted(created.claimed![1], 'vodtask2', T0, T0);
      expect((await store.getPrefetch(created.prefetch.id))!.status).toBe(
        'processing',
      );
    });

    it('walks a task through the outbox: claim, accept, poll to the end', async () => {
      const created = await store.createPrefetch(newPrefetch());
      const id = (created as any).prefetch.id;
      const task = (await store.pendingTasks('main', 1))[0];
      expect(task).toMatchObject({
        prefetchId: id,
        assetId: ASSET,
        units: 1,
        sendCount: 0,
      });
      expect(await store.claimTask(task!.rowId, T0)).toBe(true);
      expect(await store.claimTask(task!.rowId, T0)).toBe(false); // only once
      expect((await store.pendingTasks('main', 1))[0]).toBeUndefined();

      await store.markAccepted(task!, 'vodtask1', T0 + 1, T0 + 1000);
      expect((await store.getPrefetch(id))!.status).toBe('processing');
      expect(await store.findByTaskId('vodtask1')).toEqual({
        prefetchId: id,
        account: 'main',
      });
      expect(await store.dueForPolling(T0 + 999, 10)).toEqual([]);
      const [open] = await store.dueForPolling(T0 + 1000, 10);
      expect(open).toMatchObject({ taskId: 'vodtask1', pollCount: 0 });

      await store.recordPoll(
        open.rowId,
        [{ url: 'https://a/1', status: 'processing' }],
        T0 + 2000,
        T0 + 4000,
      );
      expect((await store.getPrefetch(id))!.status).toBe('processing');
      await store.recordPoll(
        open.rowId,
        [
          { url: 'https://a/1', status: 'succeed' },
          { url: 'https://a/2', status: 'failed' },
        ],
        T0 + 5000,
        T0 + 9000,
      );
      const done = await store.getPrefetch(id);
      expect(done!.status).toBe('partially_failed');
      expect(done!.tasks![0].results).toEqual([
        { url: 'https://a/1', status: 'succeed' },
        { url: 'https://a/2', status: 'failed' },
      ]);
      expect(await store.dueForPolling(T0 + 100_000, 10)).toEqual([]);
    });

    it('gives the quota back when VOD rejects a call', async () => {
      await store.createPrefetch(newPrefetch({ tasks: [{ units: 3 }] }));
      const task = (await store.pendingTasks('main', 1))[0];
      await store.claimTask(task!.rowId, T0);
      await store.markRejected(
        task!.rowId,
        { code: 'VOD.10062', message: 'no such asset' },
        T0,
      );
      expect(await store.quotaUsed('main', '2026-11-25')).toBe(0);
      const prefetch = await store.getPrefetch(task!.prefetchId);
      expect(prefetch).toMatchObject({
        status: 'failed',
        error: { code: 'VOD.10062', message: 'no such asset' },
      });
    });

    it('re-sends an interrupted call once as a possible duplicate, then fails it', async () => {
      await store.createPrefetch(newPrefetch());
      const task = (await store.pendingTasks('main', 1))[0];
      await store.claimTask(task!.rowId, T0);
      expect(await store.recoverInFlight(T0 + 10, T0)).toBe(0); // still within its lease
      expect(await store.recoverInFlight(T0 + 10, T0 + 5)).toBe(1);
      const again = (await store.pendingTasks('main', 1))[0];
      expect(again).toMatchObject({
        rowId: task!.rowId,
        possibleDuplicate: true,
        sendCount: 1,
      });
      expect(
        (await store.getPrefetch(task!.prefetchId))!.possibleDuplicate,
      ).toBe(true);

      await store.claimTask(task!.rowId, T0 + 20);
      await store.markUncertain(
        task!.rowId,
        { code: 'timeout', message: 'no answer' },
        T0 + 30,
      );
      const failed = await store.getPrefetch(task!.prefetchId);
      expect(failed!.status).toBe('failed');
      expect(failed!.error!.message).toContain('sent twice');
      expect(await store.quotaUsed('main', '2026-11-25')).toBe(1); // may have been spent at VOD
    });

    it('expires a task VOD never finished', async () => {
      await store.createPrefetch(newPrefetch());
      const task = (await store.pendingTasks('main', 1))[0];
      await store.claimTask(task!.rowId, T0);
      await store.markAccepted(task!, 't', T0, T0);
      await store.markExpired(task!.rowId, T0 + 1);
      expect((await store.getPrefetch(task!.prefetchId))!.status).toBe(
        'expired',
      );
    });

    it('lists newest first with filters and a stable cursor', async () => {
      for (let i = 0; i < 7; i++) {
        await store.createPrefetch(
          newPrefetch({
            entityRef: i % 2 ? 'resource:default/a' : 'resource:default/b',
            now: T0 + 1000,
          }),
        );
      }
      const first = await store.listPrefetches({}, { limit: 3 });
      const second = await store.listPrefetches(
        {},
        { limit: 3, cursor: first.next },
      );
      const third = await store.listPrefetches(
        {},
        { limit: 3, cursor: second.next },
      );
      const ids = [...first.items, ...second.items, ...third.items].map(
        p => p.id,
      );
      expect(new Set(ids).size).toBe(7);
      expect(ids).toEqual([...ids].sort().reverse()); // same created_at: by id, descending
      expect(third.next).toBeUndefined();
      const onlyA = await store.listPrefetches(
        { entityRef: 'resource:default/a' },
        { limit: 10 },
      );
      expect(onlyA.items).toHaveLength(3);
      expect(
        (await store.listPrefetches({ status: 'succeeded' }, { limit: 10 }))
          .items,
      ).toEqual([]);
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
  },
);
