// Following VOD tasks (pollingSql): polls to the end, live polls, expiry.
import {
  ASSET,
  claim,
  describeStore,
  firstPending,
  newPrefetch,
  store,
  T0,
  taskRow,
} from './__testUtils__/storeTests';

describeStore(() => {
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
      await store.markAccepted(task, 'token-1', 'vodtask1', T0 + 1, T0 + 1000),
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
    expect((await store.findVodTask('main', 'vodtask1'))!.results).toHaveLength(
      2,
    );
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

  it('expires a task VOD never finished, and no late poll revives it', async () => {
    await store.createPrefetch(newPrefetch());
    const task = await firstPending();
    await claim(task.rowId);
    await store.markAccepted(task, 'token-1', 't', T0, T0);
    await store.markExpired(task.rowId, T0 + 1);
    await store.deferPoll(task.rowId, T0 + 10, T0 + 2);
    expect((await store.getPrefetch(task.prefetchId))!.status).toBe('expired');
    expect(await store.dueForPolling(T0 + 100, 10)).toEqual([]);
  });
});
