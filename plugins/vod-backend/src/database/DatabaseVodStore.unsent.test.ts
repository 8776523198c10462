// Giving up tasks never sent (unsentSql): refunds, forgotten keys, tasks queued after a send.
import {
  claim,
  describeStore,
  firstPending,
  newPrefetch,
  store,
  T0,
  taskRow,
} from './__testUtils__/storeTests';

describeStore(() => {
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
});
