// The outbox (outboxSql): claims, their fencing and recovery, and the quota day of a send.
import {
  claim,
  describeStore,
  firstPending,
  newPrefetch,
  store,
  T0,
  taskRow,
} from './__testUtils__/storeTests';
import type { OutboxTask } from './VodStore';

describeStore(() => {
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
    expect((await store.getPrefetch(task.prefetchId))!.possibleDuplicate).toBe(
      true,
    );

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
    // Both calls may have been counted at VOD: the quota keeps both.
    expect(await store.quotaUsed('main', '2026-11-25')).toBe(2);
  });

  describe('fencing: a late answer never overwrites what happened since', () => {
    /** A queued task that the sender 'slow' claimed, and whose claim was then recovered. */
    async function recoveredFromSlow() {
      await store.createPrefetch(newPrefetch());
      const task = await firstPending();
      await claim(task.rowId, 'slow');
      await store.recoverInterruptedClaims(T0 + 5000, 0);
      return task;
    }
    /** VOD's acceptance of the call 'slow' made, recorded after its claim was recovered. */
    const lateAcceptance = (task: OutboxTask) =>
      store.markAccepted(task, 'slow', 'vodtask-late', T0 + 6000, T0 + 7000);

    it('records a late acceptance of a task recovery queued again, so it is not sent twice', async () => {
      const task = await recoveredFromSlow();
      expect(await lateAcceptance(task)).toBe(true);
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
      const task = await recoveredFromSlow();
      expect(await claim(task.rowId, 'fast', T0 + 5001)).toBe('claimed');
      expect(await lateAcceptance(task)).toBe(false);
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
      const task = await recoveredFromSlow();
      await claim(task.rowId, 'fast', T0 + 5001);
      await store.markAccepted(task, 'fast', 'vodtask-2', T0 + 5002, T0 + 5003);
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
      // the slow call and its re-send may both have been counted at VOD; no refund for either
      expect(await store.quotaUsed('main', '2026-11-25')).toBe(2);
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
    await store.markRejected(task.rowId, 't', { code: 'x', message: 'y' }, T0);
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

  it('reserves a re-send on its day once more, as VOD counts every call it receives', async () => {
    await store.createPrefetch(newPrefetch({ quotaLimit: 2 }));
    await store.createPrefetch(newPrefetch({ quotaLimit: 2 }));
    const [first, second] = await store.pendingTasks('main', 2, 0, T0);
    await claim(first.rowId, 'token-1', T0, { quotaLimit: 2 }); // no answer
    await store.markUncertain(
      first.rowId,
      'token-1',
      { code: 'timeout', message: 'no answer' },
      T0,
    );
    // Both units of the day are spent: the re-send of the first must wait for a day with room.
    expect(await claim(first.rowId, 'resend', T0 + 1, { quotaLimit: 2 })).toBe(
      'over-quota',
    );
    expect(await claim(second.rowId, 'token-2', T0 + 2)).toBe('claimed');
    expect(await claim(first.rowId, 'resend', T0 + 3, { quotaLimit: 3 })).toBe(
      'claimed',
    );
    expect(await store.quotaUsed('main', '2026-11-25')).toBe(3);
  });

  it('gives back the units of a re-send that was not made, every time', async () => {
    await store.createPrefetch(newPrefetch());
    const task = await firstPending();
    await claim(task.rowId); // no answer
    await store.markUncertain(
      task.rowId,
      'token-1',
      { code: 'timeout', message: 'no answer' },
      T0,
    );
    for (let attempt = 1; attempt <= 3; attempt++) {
      const token = `resend-${attempt}`;
      expect(await claim(task.rowId, token, T0 + attempt)).toBe('claimed');
      expect(await store.quotaUsed('main', '2026-11-25')).toBe(2);
      await store.releaseClaim(task.rowId, token, T0 + attempt); // throttled: not sent
      expect(await store.quotaUsed('main', '2026-11-25')).toBe(1);
    }
    expect(await firstPending()).toMatchObject({ sendCount: 1 });
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
});
