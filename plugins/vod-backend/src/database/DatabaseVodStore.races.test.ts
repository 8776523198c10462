// Creates raced by replicas: each store instance writes its own transactions (group commit), so
// these race one another on the quota row and the idempotency keys, as replicas of the plugin do.
import type { Knex } from 'knex';
import type { CreatePrefetchResult, NewPrefetch } from './VodStore';
import { unitsOf } from './rows';
import {
  describeStore,
  knex,
  newPrefetch,
  store,
  T0,
} from './__testUtils__/storeTests';
import {
  afterTurns,
  replicas,
  untilLockWaits,
} from './__testUtils__/raceTests';

const LIMIT = 25;

/** Each replica's creates, in waves a turn apart: several transactions per replica. */
function race(
  stores: Array<{ createPrefetch: typeof store.createPrefetch }>,
  inputs: NewPrefetch[][],
  waves = 3,
): Promise<CreatePrefetchResult[]> {
  return Promise.all(
    stores.flatMap((replica, r) =>
      inputs[r].map(async (input, i) => {
        await afterTurns(i % waves);
        return replica.createPrefetch(input);
      }),
    ),
  );
}

const urls = (n: number, prefix: string) =>
  Array.from(
    { length: n },
    (_, i) => `https://cdn.example.com/${prefix}/${i}.mp4`,
  );

/** Prefetches of 1 to 3 units: the asset, URL lists in one or two tasks, some with a key. */
function mixedPrefetch(
  quotaDay: string,
  limit: number,
  i: number,
): NewPrefetch {
  const base = { quotaDay, quotaLimit: limit };
  switch (i % 5) {
    case 0:
      return newPrefetch(base);
    case 1: {
      const list = urls(2, `${quotaDay}-${i}`);
      return newPrefetch({
        ...base,
        assetId: undefined,
        urls: list,
        tasks: [{ urls: list, units: 2 }],
      });
    }
    case 2: {
      const list = urls(3, `${quotaDay}-${i}`);
      return newPrefetch({
        ...base,
        assetId: undefined,
        urls: list,
        tasks: [
          { urls: list.slice(0, 2), units: 2 },
          { urls: list.slice(2), units: 1 },
        ],
      });
    }
    case 3:
      return newPrefetch({ ...base, tasks: [{ units: 2 }] });
    default:
      return newPrefetch({
        ...base,
        idempotency: {
          key: `${quotaDay}-${i}`,
          requestHash: 'h',
          expiresAt: T0 + 1e9,
        },
      });
  }
}

const rowsOf = (db: Knex, table: string, quotaDay: string) =>
  db(table).where({ quota_day: quotaDay });

describeStore(() => {
  it('spends exactly the quota when four replicas race fifteen creates each for it', async () => {
    const stores = await replicas(knex, 4);
    for (const quotaDay of ['2026-12-01', '2026-12-02', '2026-12-03']) {
      const inputs = stores.map(() =>
        Array.from({ length: 15 }, () =>
          newPrefetch({ quotaDay, quotaLimit: LIMIT }),
        ),
      );
      const results = await race(stores, inputs);
      const created = results.filter(r => r.kind === 'created');
      expect(created).toHaveLength(LIMIT);
      expect(results.filter(r => r.kind === 'over-quota')).toEqual(
        Array(60 - LIMIT).fill({ kind: 'over-quota', used: LIMIT }),
      );
      expect(await store.quotaUsed('main', quotaDay)).toBe(LIMIT);
      const ids = (await rowsOf(knex, 'vod_prefetches', quotaDay)).map(
        row => row.id,
      );
      expect(ids.sort()).toEqual(
        created.map(r => r.kind === 'created' && r.prefetch.id).sort(),
      );
      expect(await rowsOf(knex, 'vod_tasks', quotaDay)).toHaveLength(LIMIT);
    }
  });

  it('never overshoots the quota when racing replicas create prefetches of several units', async () => {
    const stores = await replicas(knex, 4);
    // Limits that batches of several units can land just past, in waves of three creates.
    for (const [quotaDay, limit] of [
      ['2026-12-01', 25],
      ['2026-12-02', 26],
      ['2026-12-03', 27],
      ['2026-12-04', 29],
    ] as const) {
      const inputs = stores.map((_, r) =>
        Array.from({ length: 15 }, (__, i) =>
          mixedPrefetch(quotaDay, limit, r * 15 + i),
        ),
      );
      const results = await race(stores, inputs, 5);
      const flat = inputs.flat();
      const used = await store.quotaUsed('main', quotaDay);
      expect(used).toBeLessThanOrEqual(limit);
      const outcomes = results.map((result, i) => ({
        result,
        units: unitsOf(flat[i]),
      }));
      const created = outcomes.filter(o => o.result.kind === 'created');
      const refused = outcomes.filter(o => o.result.kind !== 'created');
      expect(created.reduce((sum, o) => sum + o.units, 0)).toBe(used);
      // Refused only when it did not fit, then or later, and told what the day had used then.
      expect(
        refused.map(({ result, units }) => ({
          kind: result.kind,
          fitsAtTheEnd: units <= limit - used,
          fitsWhatItWasTold: (result as { used: number }).used + units <= limit,
          toldMoreThanUsed: (result as { used: number }).used > used,
        })),
      ).toEqual(
        refused.map(() => ({
          kind: 'over-quota',
          fitsAtTheEnd: false,
          fitsWhatItWasTold: false,
          toldMoreThanUsed: false,
        })),
      );
      const createdIds = created.map(
        o => (o.result as { prefetch: { id: string } }).prefetch.id,
      );
      const prefetches = await rowsOf(knex, 'vod_prefetches', quotaDay);
      expect(prefetches.map(row => row.id).sort()).toEqual(createdIds.sort());
      const tasks = await rowsOf(knex, 'vod_tasks', quotaDay);
      expect(tasks.reduce((sum, row) => sum + Number(row.units), 0)).toBe(used);
      // The day was contended: some were refused.
      expect(refused.length).toBeGreaterThan(0);
    }
  });

  it('creates once for eight replicas racing one idempotency key, replaying it for the same request and refusing it for another', async () => {
    const stores = await replicas(knex, 8);
    const rounds = 8;
    for (let round = 0; round < rounds; round++) {
      // Two requests under one key: a third of the replicas send the other one. Each replica
      // writes a create without a key in the same batch, which must be spent once too.
      const hashOf = (r: number) => ((r + round) % 3 === 0 ? 'other' : 'same');
      const keyed = stores.map((_, r) =>
        newPrefetch({
          idempotency: {
            key: `race-${round}`,
            requestHash: hashOf(r),
            expiresAt: T0 + 1e9,
          },
        }),
      );
      const plain = stores.map(() => newPrefetch());
      const results = await Promise.all(
        stores.flatMap((replica, r) => [
          replica.createPrefetch(keyed[r]),
          replica.createPrefetch(plain[r]),
        ]),
      );
      const ofKeyed = results.filter((_, i) => i % 2 === 0);
      const winner = ofKeyed.findIndex(r => r.kind === 'created');
      expect(ofKeyed.filter(r => r.kind === 'created')).toHaveLength(1);
      const winnerId = keyed[winner].id;
      const outcomes = {
        won: {
          kind: 'created',
          prefetch: expect.objectContaining({ id: winnerId }),
        },
        replayed: {
          kind: 'replayed',
          prefetch: expect.objectContaining({ id: winnerId }),
        },
        refused: { kind: 'key-conflict' },
      };
      expect(ofKeyed).toEqual(
        ofKeyed.map((_, r) => {
          if (r === winner) return outcomes.won;
          return hashOf(r) === hashOf(winner)
            ? outcomes.replayed
            : outcomes.refused;
        }),
      );
      expect(results.filter((_, i) => i % 2 === 1).map(r => r.kind)).toEqual(
        Array(stores.length).fill('created'),
      );
      expect(
        await knex('vod_idempotency_keys').where({
          idempotency_key: `race-${round}`,
        }),
      ).toEqual([expect.objectContaining({ prefetch_id: winnerId })]);
    }
    const perRound = 1 + stores.length;
    expect(await store.quotaUsed('main', '2026-11-25')).toBe(rounds * perRound);
    expect(await knex('vod_prefetches')).toHaveLength(rounds * perRound);
    expect(await knex('vod_tasks')).toHaveLength(rounds * perRound);
  });

  it("answers creates that meet the winner's idempotency key only at their INSERT as it answered, spending the quota once", async () => {
    // The winner's transaction is held open before its COMMIT. Two replicas, whose batches
    // failed (their connection dropped), write their creates one by one meanwhile: they see no
    // key yet, wait for the quota row, and meet the winner's key when they insert theirs.
    let held: () => void;
    const holding = new Promise<void>(resolve => (held = resolve));
    let commit: () => void;
    const committing = new Promise<void>(resolve => (commit = resolve));
    const winnerDb = proxyTransaction(knex, run =>
      knex.transaction(async trx => {
        const result = await run(trx);
        held();
        await committing;
        return result;
      }),
    );
    const [winner] = await replicas(winnerDb, 1);
    const losers = await Promise.all(
      Array.from({ length: 2 }, async () => {
        let dropped = false;
        const db = proxyTransaction(knex, run => {
          if (dropped) return knex.transaction(run);
          dropped = true;
          return Promise.reject(
            new Error('Connection terminated unexpectedly'),
          );
        });
        return (await replicas(db, 1))[0];
      }),
    );
    const input = (requestHash: string) =>
      newPrefetch({
        idempotency: { key: 'late', requestHash, expiresAt: T0 + 1e9 },
      });
    const first = input('same');
    const won = winner.createPrefetch(first);
    let lost: Promise<CreatePrefetchResult[]> | undefined;
    try {
      await holding;
      lost = Promise.all([
        losers[0].createPrefetch(input('same')),
        losers[1].createPrefetch(input('other')),
      ]);
      if (String(knex.client.config.client).includes('sqlite')) {
        await afterTurns(10); // one connection: they can only wait for it
      } else {
        await untilLockWaits(knex, 2); // both wait for the quota row the winner holds
      }
      commit!();
      expect((await won).kind).toBe('created');
      expect(await lost).toEqual([
        {
          kind: 'replayed',
          prefetch: expect.objectContaining({ id: first.id }),
        },
        { kind: 'key-conflict' },
      ]);
    } finally {
      commit!();
      await Promise.allSettled([won, lost]); // nothing written after this test
    }
    expect(await store.quotaUsed('main', '2026-11-25')).toBe(1);
    expect(await knex('vod_prefetches')).toHaveLength(1);
    expect(await knex('vod_idempotency_keys')).toHaveLength(1);
  });
});

/** The test database with its `transaction` replaced. */
function proxyTransaction(
  db: Knex,
  transaction: <T>(run: (trx: Knex.Transaction) => Promise<T>) => Promise<T>,
): Knex {
  return new Proxy(db, {
    get: (target, property) =>
      property === 'transaction' ? transaction : Reflect.get(target, property),
  });
}
