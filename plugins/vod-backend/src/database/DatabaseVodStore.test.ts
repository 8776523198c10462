import {
  mockServices,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import type { Knex } from 'knex';
import { DatabaseVodStore } from './DatabaseVodStore';
import type { Claim, NewPrefetch, PrefetchVisibility } from './VodStore';

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
      store = await DatabaseVodStore.create({
        database: mockServices.database({ knex }),
      });
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

    it('records a long list of long URLs whole', async () => {
      const urls = Array.from(
        { length: 40 },
        (_, i) => `https://cdn.example.com/asset/${i}/${'x'.repeat(2000)}.mp4`,
      );
      const result = await store.createPrefetch(
        newPrefetch({
          assetId: undefined,
          urls,
          tasks: [0, 10, 20, 30].map(start => ({
            urls: urls.slice(start, start + 10),
            units: 10,
          })),
        }),
      );
      if (result.kind !== 'created') throw new Error(result.kind);
      const read = await store.getPrefetch(result.prefetch.id);
      expect(read!.urls).toEqual(urls);
      expect(read!.tasks!.flatMap(t => t.urls)).toEqual(urls);
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
        newPrefetch({
          idempotency: {
            key: 'k1',
            requestHash: 'h1',
            expiresAt: T0 + 86_400_000,
          },
        }),
      );
      const again = await store.createPrefetch(
        newPrefetch({
          idempotency: {
            key: 'k1',
            requestHash: 'h1',
            expiresAt: T0 + 86_400_000,
          },
        }),
      );
      const other = await store.createPrefetch(
        newPrefetch({
          idempotency: {
            key: 'k1',
            requestHash: 'h2',
            expiresAt: T0 + 86_400_000,
          },
        }),
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
          idempotency: {
            key: 'k1',
            requestHash: 'h2',
            expiresAt: T0 + 86_400_000,
          },
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

    it("never refuses a create as over quota while the day's first row is being written", async () => {
      // Concurrent first creates of quota days, each in its own transaction (idempotency keys
      // bypass the group commit): one inserts the day's row, the others must wait for it.
      const vodStore = store;
      for (let day = 1; day <= 20; day++) {
        const quotaDay = `2026-12-${String(day).padStart(2, '0')}`;
        const results = await Promise.all(
          Array.from({ length: 4 }, (_, i) =>
            vodStore.createPrefetch(
              newPrefetch({
                quotaDay,
                idempotency: {
                  key: `${quotaDay}-${i}`,
                  requestHash: 'h',
                  expiresAt: T0 + 1e9,
                },
              }),
            ),
          ),
        );
        expect(results.map(r => r.kind)).toEqual(Array(4).fill('created'));
        expect(await store.quotaUsed('main', quotaDay)).toBe(4);
      }
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

    /** Claims a task as a dispatcher would, for the day 2026-11-25 unless told otherwise. */
    const claim = (
      rowId: number,
      token = 'token-1',
      at = T0,
      overrides: Partial<Claim> = {},
    ) =>
      store.claimTask(rowId, {
        token,
        now: at,
        leaseUntil: at + 1000,
        quotaDay: '2026-11-25',
        quotaLimit: 1000,
        ...overrides,
      });
    /** The oldest task that may be sent at `at` (by default: whenever). */
    const firstPending = async (account = 'main', at = T0 + 1e9) =>
      (await store.pendingTasks(account, 1, 0, at))[0];
    const taskRow = (rowId: number) =>
      knex('vod_tasks').where({ id: rowId }).first();

    it('walks a task through the outbox: claim, accept, poll to the end', async () => {
      const created = await store.createPrefetch(newPrefetch());
      const id = (created as any).prefetch.id;
      const task = await firstPending();
      expect(task).toMatchObject({
        prefetchId: id,
        assetId: ASSET,
        units: 1,
        sendCount: 0,
      });
      expect(await claim(task.rowId)).toBe('claimed');
      expect(await claim(task.rowId, 'token-2')).toBe('taken'); // only once
      expect(await firstPending()).toBeUndefined();

      expect(
        await store.markAccepted(
          task,
          'token-1',
          'vodtask1',
          T0 + 1,
          T0 + 1000,
        ),
      ).toBe(true);
      expect((await store.getPrefetch(id))!.status).toBe('processing');
      expect(await store.findVodTask('main', 'vodtask1')).toMatchObject({
        prefetchId: id,
        account: 'main',
        status: 'processing',
        results: [],
        polledAt: undefined,
      });
      expect(await store.dueForPolling(T0 + 999, 10)).toEqual([]);
      const [open] = await store.dueForPolling(T0 + 1000, 10);
      expect(open).toMatchObject({
        taskId: 'vodtask1',
        pollCount: 0,
        sentAt: T0,
      });

      await store.recordPoll(
        open.rowId,
        [{ url: 'https://a/1', status: 'processing' }],
        T0 + 2000,
        T0 + 4000,
      );
      expect((await store.getPrefetch(id))!.status).toBe('processing');
      expect((await store.findVodTask('main', 'vodtask1'))!.polledAt).toBe(
        T0 + 2000,
      );
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
      // An ended task takes no late poll, and keeps its results.
      await store.recordPoll(
        open.rowId,
        [{ url: 'https://a/1', status: 'processing' }],
        T0 + 6000,
      );
      expect((await store.getPrefetch(id))!.status).toBe('partially_failed');
      expect(
        (await store.findVodTask('main', 'vodtask1'))!.results,
      ).toHaveLength(2);
    });

    it('tells progress, queue positions and the queue length', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        ids.push(
          ((await store.createPrefetch(newPrefetch())) as any).prefetch.id,
        );
      }
      await store.createPrefetch(newPrefetch({ account: 'eu' }));
      const first = await firstPending();
      await claim(first.rowId);
      expect(await store.queued('main')).toBe(3); // the one being sent counts
      expect(await store.queuePositions(ids)).toEqual(
        new Map([
          [ids[0], 1],
          [ids[1], 2],
          [ids[2], 3],
        ]),
      );
      await store.markAccepted(first, 'token-1', 'v1', T0, T0);
      await store.recordPoll(
        first.rowId,
        [
          { url: 'https://a/1', status: 'succeed' },
          { url: 'https://a/2', status: 'failed' },
          { url: 'https://a/3', status: 'processing' },
        ],
        T0 + 1,
        T0 + 2,
      );
      expect(await store.queued('main')).toBe(2);
      expect((await store.queuePositions(ids)).get(ids[1])).toBe(1);
      expect(await store.progressOf(ids)).toEqual(
        new Map([[ids[0], { total: 3, succeeded: 1, failed: 1 }]]),
      );
    });

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
      expect(
        Number((await knex('vod_prefetches').count({ n: '*' }))[0].n),
      ).toBe(1); // the breaking listener did not make it create again

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
      expect((await taskRow(task.rowId)).polled_at).toBeDefined();
      await store.recordPoll(
        task.rowId,
        [{ url: 'https://a/1', status: 'succeed' }],
        T0 + 5,
      );
      expect((await announced(4)).slice(3)).toEqual([
        'succeeded resource:default/trailer',
      ]);
    });

    it("counts queue positions per account, from each prefetch's first open task", async () => {
      const create = async (over: Partial<NewPrefetch>) =>
        ((await store.createPrefetch(newPrefetch(over))) as any).prefetch.id;
      const a1 = await create({ tasks: [{ units: 1 }, { units: 1 }] }); // two tasks
      const e1 = await create({ account: 'eu' });
      const a2 = await create({});
      const e2 = await create({ account: 'eu' });
      expect(await store.queuePositions([a2, e2, a1, e1])).toEqual(
        new Map([
          [a1, 1],
          [a2, 3], // behind both of a1's tasks
          [e1, 1],
          [e2, 2],
        ]),
      );
      expect(await store.queuePositions([])).toEqual(new Map());
    });

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

    it('records a live poll without moving the poll schedule', async () => {
      await store.createPrefetch(newPrefetch());
      const task = await firstPending();
      await claim(task.rowId);
      await store.markAccepted(task, 'token-1', 'vodtask1', T0, T0 + 1000);
      await store.recordPoll(
        task.rowId,
        [{ url: 'https://a/1', status: 'processing' }],
        T0 + 500,
      );
      expect(await taskRow(task.rowId)).toMatchObject({
        next_poll_at: expect.anything(),
        poll_count: 0,
      });
      expect(Number((await taskRow(task.rowId)).next_poll_at)).toBe(T0 + 1000);
      expect((await store.findVodTask('main', 'vodtask1'))!.polledAt).toBe(
        T0 + 500,
      );
    });

    it('gives the quota back when VOD rejects a call', async () => {
      await store.createPrefetch(newPrefetch({ tasks: [{ units: 3 }] }));
      const task = await firstPending();
      await claim(task.rowId);
      expect(
        await store.markRejected(
          task.rowId,
          'token-1',
          { code: 'VOD.10062', message: 'no such asset' },
          T0,
        ),
      ).toBe(true);
      expect(await store.quotaUsed('main', '2026-11-25')).toBe(0);
      const prefetch = await store.getPrefetch(task.prefetchId);
      expect(prefetch).toMatchObject({
        status: 'failed',
        error: { code: 'VOD.10062', message: 'no such asset' },
      });
    });

    it('re-sends an interrupted call once as a possible duplicate, then fails it', async () => {
      await store.createPrefetch(newPrefetch());
      const task = await firstPending();
      await claim(task.rowId, 'token-1', T0); // lease until T0 + 1000
      expect(await store.recoverInterruptedClaims(T0 + 999, 0)).toBe(0); // still within its lease
      expect(await store.recoverInterruptedClaims(T0 + 1001, 0)).toBe(1);
      const again = await firstPending();
      expect(again).toMatchObject({
        rowId: task.rowId,
        possibleDuplicate: true,
        sendCount: 1,
      });
      expect(
        (await store.getPrefetch(task.prefetchId))!.possibleDuplicate,
      ).toBe(true);

      await claim(task.rowId, 'token-2', T0 + 2000);
      expect(
        await store.markUncertain(
          task.rowId,
          'token-2',
          { code: 'timeout', message: 'no answer' },
          T0 + 2030,
        ),
      ).toBe(true);
      const failed = await store.getPrefetch(task.prefetchId);
      expect(failed).toMatchObject({
        status: 'failed',
        error: {
          code: 'VOD_NO_ANSWER',
          message: expect.stringContaining('sent twice'),
        },
      });
      expect(await store.quotaUsed('main', '2026-11-25')).toBe(1); // may have been spent at VOD
    });

    describe('fencing: a late answer never overwrites what happened since', () => {
      it('records a late acceptance of a task recovery queued again, so it is not sent twice', async () => {
        await store.createPrefetch(newPrefetch());
        const task = await firstPending();
        await claim(task.rowId, 'slow');
        await store.recoverInterruptedClaims(T0 + 5000, 0);
        expect(
          await store.markAccepted(
            task,
            'slow',
            'vodtask-late',
            T0 + 6000,
            T0 + 7000,
          ),
        ).toBe(true);
        expect(await firstPending()).toBeUndefined();
        expect(await taskRow(task.rowId)).toMatchObject({
          status: 'processing',
          task_id: 'vodtask-late',
        });
        // VOD got it once: no possible duplicate after all.
        expect(
          (await store.getPrefetch(task.prefetchId))!.possibleDuplicate,
        ).toBe(false);
      });

      it('refuses a late acceptance once another claim is sending the task', async () => {
        await store.createPrefetch(newPrefetch());
        const task = await firstPending();
        await claim(task.rowId, 'slow');
        await store.recoverInterruptedClaims(T0 + 5000, 0);
        expect(await claim(task.rowId, 'fast', T0 + 5001)).toBe('claimed');
        expect(
          await store.markAccepted(
            task,
            'slow',
            'vodtask-late',
            T0 + 6000,
            T0 + 7000,
          ),
        ).toBe(false);
        expect(
          await store.markAccepted(
            task,
            'fast',
            'vodtask-2',
            T0 + 6001,
            T0 + 7000,
          ),
        ).toBe(true);
        expect((await taskRow(task.rowId)).task_id).toBe('vodtask-2');
      });

      it('ignores a late refusal: no refund, no failure of a task that succeeded', async () => {
        await store.createPrefetch(newPrefetch());
        const task = await firstPending();
        await claim(task.rowId, 'slow');
        await store.recoverInterruptedClaims(T0 + 5000, 0);
        await claim(task.rowId, 'fast', T0 + 5001);
        await store.markAccepted(
          task,
          'fast',
          'vodtask-2',
          T0 + 5002,
          T0 + 5003,
        );
        await store.recordPoll(
          task.rowId,
          [{ url: 'https://a/1', status: 'succeed' }],
          T0 + 6000,
          T0 + 7000,
        );
        const late = { code: 'VOD.10062', message: 'late' };
        expect(
          await store.markRejected(task.rowId, 'slow', late, T0 + 8000),
        ).toBe(false);
        expect(
          await store.markUncertain(task.rowId, 'slow', late, T0 + 8000),
        ).toBe(false);
        await store.releaseClaim(task.rowId, 'slow', T0 + 8000);
        expect((await store.getPrefetch(task.prefetchId))!.status).toBe(
          'succeeded',
        );
        expect(await store.quotaUsed('main', '2026-11-25')).toBe(1);
      });

      it('gives back only a claim it holds', async () => {
        await store.createPrefetch(newPrefetch());
        const task = await firstPending();
        await claim(task.rowId, 'mine');
        await store.releaseClaim(task.rowId, 'not-mine', T0);
        expect((await taskRow(task.rowId)).status).toBe('sending');
        await store.releaseClaim(task.rowId, 'mine', T0);
        expect(await firstPending()).toMatchObject({
          rowId: task.rowId,
          sendCount: 0,
        });
      });
    });

    it('counts a task queued before midnight on the day it is sent', async () => {
      await store.createPrefetch(newPrefetch({ quotaLimit: 2 }));
      const task = await firstPending();
      const nextDay = { quotaDay: '2026-11-26', quotaLimit: 2 };
      expect(await claim(task.rowId, 't', T0, nextDay)).toBe('claimed');
      expect(await store.quotaUsed('main', '2026-11-25')).toBe(0);
      expect(await store.quotaUsed('main', '2026-11-26')).toBe(1);
      expect((await taskRow(task.rowId)).quota_day).toBe('2026-11-26');
      // A refusal gives it back to the day it counts on.
      await store.markRejected(
        task.rowId,
        't',
        { code: 'x', message: 'y' },
        T0,
      );
      expect(await store.quotaUsed('main', '2026-11-26')).toBe(0);
    });

    it('leaves a task queued when the day it is sent has no room for it', async () => {
      await store.createPrefetch(newPrefetch());
      await store.createPrefetch(
        newPrefetch({ quotaDay: '2026-11-26', quotaLimit: 1 }),
      );
      const [old] = await store.pendingTasks('main', 1, 0, T0 + 1e9);
      expect(
        await claim(old.rowId, 't', T0, {
          quotaDay: '2026-11-26',
          quotaLimit: 1,
        }),
      ).toBe('over-quota');
      expect((await taskRow(old.rowId)).status).toBe('pending');
      // Its day ended without it reaching VOD: that day no longer counts it, no day does yet.
      expect(await store.quotaUsed('main', '2026-11-25')).toBe(0);
      expect(await store.quotaUsed('main', '2026-11-26')).toBe(1);
      // The outbox goes on after it.
      expect(
        (await store.pendingTasks('main', 5, old.rowId, T0 + 1e9)).length,
      ).toBe(1);
      // A day with room takes it; given up unsent, it would give back nothing it does not hold.
      expect(
        await claim(old.rowId, 't', T0, {
          quotaDay: '2026-11-27',
          quotaLimit: 1,
        }),
      ).toBe('claimed');
      expect(await store.quotaUsed('main', '2026-11-27')).toBe(1);
    });

    it("keeps a re-queued task's units on the day it may have reached VOD", async () => {
      await store.createPrefetch(newPrefetch());
      const task = await firstPending();
      await claim(task.rowId); // sent on 2026-11-25, no answer
      await store.markUncertain(
        task.rowId,
        'token-1',
        { code: 'timeout', message: 'no answer' },
        T0,
      );
      expect(
        await claim(task.rowId, 'resend', T0 + 1, { quotaDay: '2026-11-26' }),
      ).toBe('claimed');
      expect(await store.quotaUsed('main', '2026-11-25')).toBe(1);
      expect(await store.quotaUsed('main', '2026-11-26')).toBe(1);
    });

    it('does not send a recovered claim again before its grace is over', async () => {
      await store.createPrefetch(newPrefetch());
      const task = await firstPending();
      await claim(task.rowId, 'lapsed', T0); // lease until T0 + 1000
      expect(await store.recoverInterruptedClaims(T0 + 1001, 5000)).toBe(1);
      expect(await firstPending('main', T0 + 6000)).toBeUndefined();
      expect(await claim(task.rowId, 'eager', T0 + 6000)).toBe('taken');
      // Meanwhile the lapsed sender records VOD's acceptance: nothing is sent again.
      expect(
        await store.markAccepted(task, 'lapsed', 'vod-1', T0 + 5000, T0 + 9000),
      ).toBe(true);
      expect(await firstPending('main', T0 + 7000)).toBeUndefined();
    });

    it('sends a recovered claim again once its grace is over', async () => {
      await store.createPrefetch(newPrefetch());
      const task = await firstPending();
      await claim(task.rowId, 'lapsed', T0);
      await store.recoverInterruptedClaims(T0 + 1001, 5000);
      expect(await firstPending('main', T0 + 6001)).toMatchObject({
        rowId: task.rowId,
        possibleDuplicate: true,
      });
      expect(await claim(task.rowId, 'next', T0 + 6001)).toBe('claimed');
    });

    it('gives up a task queued again after a send as VOD_NO_ANSWER, its quota kept, only when asked', async () => {
      await store.createPrefetch(newPrefetch());
      const task = await firstPending();
      await claim(task.rowId);
      await store.markUncertain(
        task.rowId,
        'token-1',
        { code: 'timeout', message: 'no answer' },
        T0,
      );
      const expire = (failResent: boolean) =>
        store.failUnsentTasks(
          { createdBefore: T0 + 1e9 },
          {
            status: 'expired',
            error: { code: 'VOD_QUEUE_EXPIRED', message: 'too long' },
            failResent,
          },
          T0 + 10,
        );
      expect(await expire(false)).toBe(0);
      expect((await taskRow(task.rowId)).status).toBe('pending');
      expect(await expire(true)).toBe(0); // none of them unsent...
      expect(await store.getPrefetch(task.prefetchId)).toMatchObject({
        status: 'failed', // ...but this one is given up
        error: { code: 'VOD_NO_ANSWER' },
      });
      expect(await store.quotaUsed('main', '2026-11-25')).toBe(1);
    });

    it('gives up unsent tasks with a refund, and forgets the key of a prefetch never sent', async () => {
      const key = { key: 'k', requestHash: 'h', expiresAt: T0 + 60_000 };
      const first = await store.createPrefetch(
        newPrefetch({ idempotency: key, tasks: [{ units: 2 }] }),
      );
      const id = (first as any).prefetch.id;
      const given = await store.failUnsentTasks(
        { prefetchId: id },
        {
          status: 'failed',
          error: { code: 'PORTAL_NOT_SENT', message: 'no slot' },
          forgetKey: true,
        },
        T0 + 10,
      );
      expect(given).toBe(1);
      expect(await store.quotaUsed('main', '2026-11-25')).toBe(0);
      expect(await store.getPrefetch(id)).toMatchObject({
        status: 'failed',
        error: { code: 'PORTAL_NOT_SENT' },
      });
      const retry = await store.createPrefetch(
        newPrefetch({ idempotency: key, tasks: [{ units: 2 }] }),
      );
      expect(retry.kind).toBe('created');
    });

    it('never gives up a task that is being sent, or queued again after a send', async () => {
      await store.createPrefetch(newPrefetch());
      const task = await firstPending();
      await claim(task.rowId);
      const giveUp = () =>
        store.failUnsentTasks(
          { prefetchId: task.prefetchId },
          {
            status: 'failed',
            error: { code: 'PORTAL_NOT_SENT', message: 'x' },
            forgetKey: true,
          },
          T0,
        );
      expect(await giveUp()).toBe(0);
      expect((await taskRow(task.rowId)).status).toBe('sending');
      // VOD may have it: queued for its one re-send, it is not "unsent" either.
      await store.markUncertain(
        task.rowId,
        'token-1',
        { code: 'timeout', message: 'no answer' },
        T0,
      );
      expect((await taskRow(task.rowId)).status).toBe('pending');
      expect(await giveUp()).toBe(0);
      expect(await store.quotaUsed('main', '2026-11-25')).toBe(1);
    });

    it('expires queued work of prefetches made before a time, giving the quota back', async () => {
      await store.createPrefetch(newPrefetch({ now: T0 }));
      await store.createPrefetch(newPrefetch({ now: T0 + 10_000 }));
      const expired = await store.failUnsentTasks(
        { createdBefore: T0 + 5_000 },
        {
          status: 'expired',
          error: { code: 'VOD_QUEUE_EXPIRED', message: 'too long' },
        },
        T0 + 20_000,
      );
      expect(expired).toBe(1);
      expect(await store.quotaUsed('main', '2026-11-25')).toBe(1);
      expect(await store.pendingTasks('main', 10, 0, T0 + 1e9)).toHaveLength(1);
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

    it('expires a task VOD never finished, and no late poll revives it', async () => {
      await store.createPrefetch(newPrefetch());
      const task = await firstPending();
      await claim(task.rowId);
      await store.markAccepted(task, 'token-1', 't', T0, T0);
      await store.markExpired(task.rowId, T0 + 1);
      await store.deferPoll(task.rowId, T0 + 10, T0 + 2);
      expect((await store.getPrefetch(task.prefetchId))!.status).toBe(
        'expired',
      );
      expect(await store.dueForPolling(T0 + 100, 10)).toEqual([]);
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
      const all = { entities: 'all', adhoc: 'all' } as const;
      const first = await store.listPrefetches({}, { limit: 3 }, all);
      const second = await store.listPrefetches(
        {},
        { limit: 3, cursor: first.next },
        all,
      );
      const third = await store.listPrefetches(
        {},
        { limit: 3, cursor: second.next },
        all,
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
        all,
      );
      expect(onlyA.items).toHaveLength(3);
      expect(
        (
          await store.listPrefetches(
            { status: 'succeeded' },
            { limit: 10 },
            all,
          )
        ).items,
      ).toEqual([]);
    });

    it('lists only what the visibility lets through', async () => {
      await store.createPrefetch(
        newPrefetch({ entityRef: 'resource:default/a' }),
      );
      await store.createPrefetch(
        newPrefetch({ entityRef: 'resource:default/b' }),
      );
      await store.createPrefetch(newPrefetch({ createdBy: 'user:default/me' }));
      await store.createPrefetch(
        newPrefetch({ createdBy: 'user:default/other' }),
      );
      const seen = async (visibility: PrefetchVisibility) =>
        (await store.listPrefetches({}, { limit: 10 }, visibility)).items
          .map(p => p.entityRef ?? p.createdBy)
          .sort();
      expect(
        await seen({
          entities: 'none',
          adhoc: { createdBy: 'user:default/me' },
        }),
      ).toEqual(['user:default/me']);
      expect(
        await seen({
          entities: { except: ['resource:default/a'] },
          adhoc: 'all',
        }),
      ).toEqual([
        'resource:default/b',
        'user:default/me',
        'user:default/other',
      ]);
      expect(
        await seen({ entities: 'all', adhoc: { createdBy: 'nobody' } }),
      ).toEqual(['resource:default/a', 'resource:default/b']);
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
