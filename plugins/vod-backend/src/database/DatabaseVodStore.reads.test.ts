// Reading prefetches (prefetchReads): progress, queue positions, pages and visibility.
import {
  claim,
  describeStore,
  firstPending,
  newPrefetch,
  store,
  T0,
} from './__testUtils__/storeTests';
import type { NewPrefetch, PrefetchVisibility } from './VodStore';

describeStore(() => {
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
      (await store.listPrefetches({ status: 'succeeded' }, { limit: 10 }, all))
        .items,
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
    ).toEqual(['resource:default/b', 'user:default/me', 'user:default/other']);
    expect(
      await seen({ entities: 'all', adhoc: { createdBy: 'nobody' } }),
    ).toEqual(['resource:default/a', 'resource:default/b']);
  });
});
