// Recording prefetches (prefetchWrites): quota, idempotency keys, group commit.
import type { Knex } from 'knex';
import { prefetchWriter } from './prefetchWrites';
import type { CreatePrefetchResult } from './VodStore';
import {
  describeStore,
  knex,
  newPrefetch,
  store,
  T0,
} from './__testUtils__/storeTests';
import { replicas } from './__testUtils__/raceTests';

describeStore(() => {
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

  it('answers creates whose batch committed though its answer was lost, once, even when that batch took the last of the quota', async () => {
    // The batch's COMMIT reaches the database but its answer is lost: the writes are retried
    // one by one. Written again, each would be refused by the quota its own batch used up.
    let loseAnswer = true;
    const db = new Proxy(knex, {
      get(target, property) {
        if (property !== 'transaction' || !loseAnswer) {
          return Reflect.get(target, property);
        }
        return async (run: (trx: Knex.Transaction) => Promise<unknown>) => {
          await knex.transaction(run);
          loseAnswer = false;
          throw new Error('Connection terminated unexpectedly');
        };
      },
    });
    const told: CreatePrefetchResult[] = [];
    const write = prefetchWriter(
      {
        db,
        locks: false,
        transaction: run => db.transaction(run),
        markChanged: () => {},
      },
      { written: results => told.push(...results) },
    );
    const inputs = [newPrefetch(), newPrefetch()].map(p => ({
      ...p,
      quotaLimit: 2,
    }));
    const results = await Promise.all(inputs.map(write));
    expect(loseAnswer).toBe(false);
    expect(results.map(r => r.kind === 'created' && r.prefetch.id)).toEqual(
      inputs.map(i => i.id),
    );
    // Written again one by one, the two may be announced in either order.
    expect(told).toHaveLength(results.length);
    expect(told).toEqual(expect.arrayContaining(results));
    expect(await store.quotaUsed('main', '2026-11-25')).toBe(2);
    expect(await knex('vod_prefetches')).toHaveLength(2);
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
    expect(await knex('vod_tasks').whereIn('prefetch_id', ids)).toHaveLength(4);
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
    // Concurrent first creates of quota days by four replicas, each in its own transaction: one
    // inserts the day's row, the others must wait for it.
    const four = await replicas(knex, 4);
    for (let day = 1; day <= 20; day++) {
      const quotaDay = `2026-12-${String(day).padStart(2, '0')}`;
      const results = await Promise.all(
        four.map(replica => replica.createPrefetch(newPrefetch({ quotaDay }))),
      );
      expect(results.map(r => r.kind)).toEqual(Array(4).fill('created'));
      expect(await store.quotaUsed('main', quotaDay)).toBe(4);
    }
  });

  it('writes idempotent creates that arrive together in one batch, replaying a key repeated within it', async () => {
    const key = (k: string, requestHash = 'h') => ({
      idempotency: { key: k, requestHash, expiresAt: T0 + 1e9 },
    });
    const recorded = await store.createPrefetch(newPrefetch(key('k0')));
    const expired = await store.createPrefetch(
      newPrefetch({
        idempotency: { key: 'old', requestHash: 'h', expiresAt: T0 - 1 },
      }),
    );
    const liWei = 'user:default/li.wei';
    await store.createPrefetch(newPrefetch({ createdBy: liWei, ...key('k2') }));
    const statements: string[] = [];
    const record = (q: { sql: string }) => statements.push(q.sql);
    knex.on('query', record);
    let results: CreatePrefetchResult[];
    try {
      results = await Promise.all(
        [
          newPrefetch(key('k1')),
          newPrefetch(key('k2')),
          newPrefetch(key('k1')), // the same request again: the first's prefetch
          newPrefetch(key('k1', 'other')), // another request under k1: refused
          newPrefetch(key('k0')), // recorded before: replayed
          newPrefetch(), // no key
          newPrefetch({ createdBy: liWei, ...key('k1') }), // another caller's k1
          newPrefetch(key('K1')), // another key: keys compare exactly, on MySQL too
          newPrefetch(key('old')), // recorded, but expired: a new prefetch
        ].map(input => store.createPrefetch(input)),
      );
    } finally {
      knex.off('query', record);
    }
    const ids = results.map(r => ('prefetch' in r ? r.prefetch.id : r.kind));
    expect(results.map(r => r.kind)).toEqual([
      'created',
      'created',
      'replayed',
      'key-conflict',
      'replayed',
      'created',
      'created',
      'created',
      'created',
    ]);
    expect(ids[2]).toBe(ids[0]);
    expect(ids[8]).not.toBe(
      (expired as { prefetch: { id: string } }).prefetch.id,
    );
    expect(ids[4]).toBe((recorded as { prefetch: { id: string } }).prefetch.id);
    expect(new Set([ids[0], ids[1], ids[5], ids[6], ids[7], ids[8]]).size).toBe(
      6,
    );
    expect(await store.quotaUsed('main', '2026-11-25')).toBe(9);
    const keys = await knex('vod_idempotency_keys').orderBy('idempotency_key');
    expect(keys.map(k => [k.idempotency_key, k.prefetch_id])).toEqual(
      expect.arrayContaining([
        ['k1', ids[0]],
        ['k2', ids[1]],
        ['k1', ids[6]],
        ['K1', ids[7]],
        ['old', ids[8]],
      ]),
    );
    expect(keys).toHaveLength(7);
    const inserts = statements.filter(sql =>
      /^insert into [`"]?vod_(prefetches|tasks|idempotency_keys)\b/i.test(sql),
    );
    // One INSERT per table for the batch, and one per table for the create that reuses an
    // expired key (written after the others, as if alone).
    expect(inserts).toHaveLength(6);
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
});
