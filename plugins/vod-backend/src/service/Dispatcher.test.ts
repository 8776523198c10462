import { vodErrorCodes } from '@mediaops/vod-simulator';
import { OutboxParts, useOutbox } from '../__testUtils__/outbox';
import { configuredAccount } from '../__testUtils__/vodAccount';
import type { VodStore } from '../database/VodStore';
import type { Dispatcher } from './Dispatcher';

// The dispatcher's recovery paths on the real store (SQLite), the real client and the simulator
// over HTTP, on an injected clock: the sweep after a dead sender, errors that are not VOD's, a
// removed account, and one refused call among several.

jest.setTimeout(30_000);

/** 18:00 in Beijing: no quota day turns in these tests. */
const T0 = Date.parse('2026-11-25T10:00:00Z');

describe('Dispatcher', () => {
  let time = T0;
  const now = () => time;
  // VOD's own daily quota here is 4 units: the refused call below runs into it.
  const outbox = useOutbox({ now, simulator: { dailyQuota: 4 } });
  const { log, queue, status, creates } = outbox;
  beforeEach(() => {
    time = T0;
  });

  /** The scheduled sweep, and the sends it started (it does not wait for them itself). */
  async function sweep(dispatcher: Dispatcher): Promise<void> {
    const wake = dispatcher.wake.bind(dispatcher);
    const runs: Promise<void>[] = [];
    const spy = jest.spyOn(dispatcher, 'wake').mockImplementation(account => {
      const run = wake(account);
      runs.push(run);
      return run;
    });
    try {
      await dispatcher.sweep();
      await Promise.all(runs);
    } finally {
      spy.mockRestore();
    }
  }

  /**
   * What a replica that dies mid-call leaves: the task claimed as a dispatcher claims it, its
   * call written to VOD, and no answer recorded.
   */
  async function sendAndDie(parts: OutboxParts, prefetchId: string) {
    const { store } = outbox;
    const task = (await store.pendingTasks('main', 20, 0, now())).find(
      t => t.prefetchId === prefetchId,
    )!;
    await parts.accounts.get('main')!.client.createPrefetch(
      { assetId: task.assetId! },
      {
        beforeSend: async () => {
          const claimed = await store.claimTask(task.rowId, {
            token: 'the-replica-that-died',
            now: now(),
            leaseUntil: now() + parts.config.claimLeaseMs,
            quotaDay: parts.quota.dayOf(now()),
            quotaLimit: 5,
          });
          if (claimed !== 'claimed') throw new Error(claimed);
        },
      },
    );
  }

  it('re-sends a call whose sender died from the scheduled sweep, not before its lease and one more have run out, once, as a possible duplicate', async () => {
    const parts = outbox.setup();
    const { dispatcher, config, quota } = parts;
    const lease = config.claimLeaseMs;
    const id = await queue();
    await sendAndDie(parts, id);
    expect(creates()).toHaveLength(1);
    const state = async () => (await outbox.store.taskStates(id))[0];

    time = T0 + lease; // the lease's last moment: its sender may still answer
    await sweep(dispatcher);
    expect(await state()).toMatchObject({ status: 'sending' });

    time += 1; // past the lease: queued again, but held one more lease for a late answer
    await sweep(dispatcher);
    expect(await state()).toMatchObject({
      status: 'pending',
      possibleDuplicate: true,
      error: { code: 'VOD_CALL_INTERRUPTED' },
    });
    expect(log.warn).toContainEqual(
      expect.stringContaining('in flight when their sender stopped'),
    );
    const recoveredAt = time;
    time = recoveredAt + lease - 1;
    await sweep(dispatcher);
    expect(creates()).toHaveLength(1);

    time = recoveredAt + lease;
    const outcome = dispatcher.nextOutcome(id, 10_000);
    await sweep(dispatcher);
    expect(creates()).toHaveLength(2);
    const resent = creates()[1];
    expect(await outcome).toEqual({ kind: 'accepted', taskId: resent.taskId });
    expect(await outbox.store.getPrefetch(id)).toMatchObject({
      status: 'processing',
      possibleDuplicate: true,
      tasks: [{ taskId: resent.taskId }],
    });
    // VOD counted both calls; so does the portal.
    expect(await outbox.store.quotaUsed('main', quota.dayOf(now()))).toBe(2);

    time += 10 * lease;
    await sweep(dispatcher);
    expect(creates()).toHaveLength(2);
  });

  it('sends nothing while the database fails to record the claim, and the task once when it is back', async () => {
    let failing = true;
    const flaky: VodStore = Object.create(outbox.store);
    flaky.claimTask = async (...args) => {
      if (failing) throw new Error('database is down');
      return outbox.store.claimTask(...args);
    };
    const { dispatcher } = outbox.setup({ store: flaky });
    const id = await queue();
    await dispatcher.wake('main');
    expect(creates()).toHaveLength(0);
    expect(await outbox.store.taskStates(id)).toMatchObject([
      { status: 'pending', possibleDuplicate: false },
    ]);
    expect(log.warn).toContainEqual(
      expect.stringContaining('not sent yet: database is down'),
    );

    failing = false;
    await sweep(dispatcher);
    await sweep(dispatcher);
    expect(creates()).toHaveLength(1);
    expect(await outbox.store.getPrefetch(id)).toMatchObject({
      status: 'processing',
      possibleDuplicate: false,
      tasks: [{ taskId: creates()[0].taskId }],
    });
  });

  it('queues again, as a possible duplicate, a task whose client failed unexpectedly after the claim, and sends it once', async () => {
    const { dispatcher, accounts } = outbox.setup();
    const client = accounts.get('main')!.client;
    const createPrefetch = client.createPrefetch.bind(client);
    jest
      .spyOn(client, 'createPrefetch')
      .mockImplementationOnce((target, options) =>
        createPrefetch(target, {
          ...options,
          beforeSend: async () => {
            await options?.beforeSend?.();
            throw new TypeError('a bug between the claim and the call');
          },
        }),
      );
    const id = await queue();
    await dispatcher.wake('main'); // settles: the run's error is logged
    expect(log.error).toContain('dispatch for account main failed');
    expect(creates()).toHaveLength(0);
    expect(await outbox.store.taskStates(id)).toMatchObject([
      {
        status: 'pending',
        possibleDuplicate: true,
        error: { code: 'VOD_CALL_FAILED' },
      },
    ]);

    await sweep(dispatcher);
    await sweep(dispatcher);
    expect(creates()).toHaveLength(1);
    expect(await outbox.store.getPrefetch(id)).toMatchObject({
      status: 'processing',
      tasks: [{ taskId: creates()[0].taskId }],
    });
  });

  it('sends nothing for an account removed from the config, and gives its queued tasks up at the queue timeout', async () => {
    const before = outbox.setup();
    const queued = await queue();
    const inFlight = await queue();
    await sendAndDie(before, inFlight);
    // Restarted without `main`.
    const { dispatcher, config } = outbox.setup({
      vod: { accounts: [{ ...configuredAccount(outbox.sim.url), name: 'b' }] },
    });
    for (const at of [1, 2, 3].map(n => T0 + n * config.claimLeaseMs + 1)) {
      time = at;
      await sweep(dispatcher);
    }
    expect(await status(queued)).toBe('pending');
    expect(await status(inFlight)).toBe('pending');

    time = T0 + config.queueTimeoutMs + 1;
    await sweep(dispatcher);
    expect(await outbox.store.getPrefetch(queued)).toMatchObject({
      status: 'expired',
      error: { code: 'VOD_QUEUE_EXPIRED' },
    });
    expect(await outbox.store.getPrefetch(inFlight)).toMatchObject({
      status: 'failed',
      error: { code: 'VOD_NO_ANSWER' },
    });
    // The unsent task's unit went back; the one VOD may hold stays counted.
    expect(await outbox.store.quotaUsed('main', before.quota.dayOf(T0))).toBe(
      1,
    );
    expect(creates()).toHaveLength(1); // the dead replica's
    expect(log.error).toEqual([]);
  });

  it('leaves queued, unsent, a task woken on a replica that lacks its account, for one that has it', async () => {
    const id = await queue();
    // A replica whose config lacks `main` (removed, or not yet added in a rolling deploy) is
    // woken for it, as a create or a config reload mid-run would.
    const without = outbox.setup({
      vod: { accounts: [{ ...configuredAccount(outbox.sim.url), name: 'b' }] },
    });
    await without.dispatcher.wake('main');
    expect(await status(id)).toBe('pending');
    expect(creates()).toHaveLength(0);
    expect(log.warn).toContain(
      'prefetch tasks of account main are not sent: the account is not configured on this replica',
    );
    // A replica that has it sends it, once.
    await outbox.setup().dispatcher.wake('main');
    expect(await status(id)).toBe('processing');
    expect(creates()).toHaveLength(1);
  });

  it('fails only the call VOD refuses of a prefetch of several calls, giving back only its units: the prefetch ends partially_failed', async () => {
    const { dispatcher, poller, quota } = outbox.setup({
      account: { dailyQuota: 100 },
    });
    const group = (name: string, n: number) =>
      Array.from(
        { length: n },
        (_, i) => `https://cdn.example.com/${name}${i}`,
      );
    const [a, b, c] = [group('a', 2), group('b', 3), group('c', 2)];
    const id = await queue({
      assetId: undefined,
      urls: [...a, ...b, ...c],
      quotaLimit: 100,
      tasks: [
        { urls: a, units: 2 },
        { urls: b, units: 3 },
        { urls: c, units: 2 },
      ],
    });
    const day = quota.dayOf(T0);
    expect(await outbox.store.quotaUsed('main', day)).toBe(7);

    await dispatcher.wake('main'); // VOD's 4 units take a and c, not b
    expect(creates().map(call => [call.body, call.status])).toEqual([
      [{ urls: a }, 202],
      [{ urls: b }, 400],
      [{ urls: c }, 202],
    ]);
    expect(await outbox.store.quotaUsed('main', day)).toBe(4);

    time += 1000;
    await poller.poll();
    const succeeded = (urls: string[]) => ({
      status: 'succeeded',
      urls,
      results: urls.map(url => ({ url, status: 'succeed' })),
    });
    expect(await outbox.store.getPrefetch(id)).toMatchObject({
      status: 'partially_failed',
      possibleDuplicate: false,
      tasks: [
        { ...succeeded(a), taskId: creates()[0].taskId },
        {
          status: 'failed',
          urls: b,
          error: { code: vodErrorCodes.QUOTA_EXCEEDED },
        },
        { ...succeeded(c), taskId: creates()[2].taskId },
      ],
    });
    expect(creates()).toHaveLength(3);
  });
});
