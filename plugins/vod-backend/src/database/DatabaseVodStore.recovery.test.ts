// Recovery paths of the outbox and the poller: a deferred poll (pollingSql.deferPoll), and a
// claim given back (outboxSql.releaseClaim) by its holder, by a stale holder, and raced for.
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
import { replicas } from './__testUtils__/raceTests';

describeStore(() => {
  it('defers a failed poll to the time it names, counting it for the backoff and keeping what VOD last said', async () => {
    await store.createPrefetch(newPrefetch());
    const task = await firstPending();
    await claim(task.rowId);
    await store.markAccepted(task, 'token-1', 'vodtask1', T0 + 1, T0 + 1000);
    const heard = [{ url: 'https://a/1', status: 'processing' as const }];
    await store.recordPoll(task.rowId, heard, T0 + 1000, T0 + 2000);

    await store.deferPoll(task.rowId, T0 + 6000, T0 + 2001);
    const row = await taskRow(task.rowId);
    expect(row.status).toBe('processing');
    expect(
      [row.next_poll_at, row.poll_count, row.updated_at, row.polled_at].map(
        Number,
      ),
    ).toEqual([T0 + 6000, 2, T0 + 2001, T0 + 1000]);
    expect(await store.dueForPolling(T0 + 5999, 10)).toEqual([]);
    expect(await store.dueForPolling(T0 + 6000, 10)).toEqual([
      expect.objectContaining({
        rowId: task.rowId,
        taskId: 'vodtask1',
        pollCount: 2,
        sentAt: T0,
      }),
    ]);
    expect(await store.findVodTask('main', 'vodtask1')).toMatchObject({
      status: 'processing',
      results: heard,
      polledAt: T0 + 1000,
    });
  });

  it("leaves the current claim alone when a stale claim's holder gives the task back", async () => {
    await store.createPrefetch(newPrefetch());
    const task = await firstPending();
    await claim(task.rowId, 'slow', T0); // its lease ends at T0 + 1000
    expect(await store.recoverInterruptedClaims(T0 + 1001, 0)).toBe(1);
    expect(await claim(task.rowId, 'fast', T0 + 2000)).toBe('claimed'); // a re-send
    expect(await store.quotaUsed('main', '2026-11-25')).toBe(2);
    const held = await taskRow(task.rowId);
    expect(held).toMatchObject({ status: 'sending', claim_token: 'fast' });

    await store.releaseClaim(task.rowId, 'slow', T0 + 2001);
    expect(await taskRow(task.rowId)).toEqual(held);
    expect(await store.quotaUsed('main', '2026-11-25')).toBe(2);
    expect(await firstPending()).toBeUndefined();
    expect(
      await store.markAccepted(task, 'fast', 'vod-2', T0 + 2002, T0 + 3000),
    ).toBe(true);
  });

  it('hands a claim given back to exactly one of the replicas racing for it, reserving a re-send once', async () => {
    const stores = await replicas(knex, 4);
    const race = (rowId: number, at: number) =>
      Promise.all(
        stores.map((replica, r) =>
          replica.claimTask(rowId, {
            token: `replica-${r}`,
            now: at,
            leaseUntil: at + 1000,
            quotaDay: '2026-11-25',
            quotaLimit: 1000,
          }),
        ),
      );
    const rounds = 12;
    for (let round = 0; round < rounds; round++) {
      const at = T0 + round * 10_000;
      await store.createPrefetch(newPrefetch());
      const task = await firstPending();
      // A first send: given back, it is free for the next dispatcher.
      await claim(task.rowId, 'first', at);
      await store.releaseClaim(task.rowId, 'first', at + 1);
      const first = await race(task.rowId, at + 2);
      expect(first.filter(r => r === 'claimed')).toHaveLength(1);
      expect(first.filter(r => r === 'taken')).toHaveLength(3);
      const winner = `replica-${first.indexOf('claimed')}`;
      expect(await taskRow(task.rowId)).toMatchObject({
        status: 'sending',
        claim_token: winner,
      });
      // No answer: a re-send, whose claim reserves the units once more. Given back, they are
      // given back; raced for, they are reserved once.
      await store.markUncertain(
        task.rowId,
        winner,
        { code: 'timeout', message: 'no answer' },
        at + 3,
      );
      await claim(task.rowId, 'resend', at + 4);
      await store.releaseClaim(task.rowId, 'resend', at + 5);
      // (Each earlier round's task keeps the unit of its first send, which VOD may have counted.)
      expect(await store.quotaUsed('main', '2026-11-25')).toBe(round + 1);
      const again = await race(task.rowId, at + 6);
      expect(again.filter(r => r === 'claimed')).toHaveLength(1);
      expect(again.filter(r => r === 'taken')).toHaveLength(3);
      expect(await store.quotaUsed('main', '2026-11-25')).toBe(round + 2);
      expect(Number((await taskRow(task.rowId)).send_count)).toBe(2);
      await store.markRejected(
        task.rowId,
        `replica-${again.indexOf('claimed')}`,
        { code: 'VOD.1', message: 'refused' },
        at + 7,
      );
      expect(await store.quotaUsed('main', '2026-11-25')).toBe(round + 1);
    }
  });
});
