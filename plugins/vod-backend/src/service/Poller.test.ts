import { useOutbox } from '../__testUtils__/outbox';
import { configuredAccount } from '../__testUtils__/vodAccount';

// The poller's recovery paths on the real store (SQLite), the real client and the simulator over
// HTTP, on an injected clock: queries VOD does not answer, expiry, a removed account.

jest.setTimeout(30_000);

const T0 = Date.parse('2026-11-25T10:00:00Z');

describe('Poller', () => {
  let time = T0;
  const now = () => time;
  // VOD never finishes a URL within these tests.
  const outbox = useOutbox({ now, simulator: { processingMs: 7 * 86400_000 } });
  const { log, queue, status } = outbox;
  beforeEach(() => {
    time = T0;
  });

  /** The parts as configured here; a query's tries follow each other at once. */
  const setup = (vod: Record<string, unknown> = {}) =>
    outbox.setup({
      vod: {
        polling: { initialDelay: '1s', maxDelay: '5s', expireAfter: '1h' },
        ...vod,
      },
      sleep: async () => {},
    });
  const queries = () => outbox.sim.calls().filter(c => c.route === 'query');

  /** A prefetch VOD accepted at T0; returns its id and VOD's task id. */
  async function sent(parts: ReturnType<typeof setup>) {
    const id = await queue();
    await parts.dispatcher.wake('main');
    expect(await status(id)).toBe('processing');
    return { id, taskId: outbox.creates()[0].taskId! };
  }

  it('defers a poll VOD does not answer (reset, 5xx), waiting twice as long each time up to polling.maxDelay, and never fails the task for it', async () => {
    const parts = setup();
    const { id, taskId } = await sent(parts);
    outbox.sim.queueFault(
      ...Array(3).fill({ kind: 'reset-before', route: 'query' }),
    );
    outbox.sim.setFaults({ rate5xx: 1, routes: ['query'] });

    // The first poll initialDelay after the send, then 2, 4, 8 → 5 (maxDelay) and 5 s later.
    const due = [1, 3, 7, 12, 17].map(s => T0 + s * 1000);
    for (const at of due) {
      time = at - 1;
      expect(await parts.poller.poll()).toBe(0);
      time = at;
      expect(await parts.poller.poll()).toBe(1);
      expect(await outbox.store.getPrefetch(id)).toMatchObject({
        status: 'processing',
        tasks: [{ status: 'processing', taskId }],
      });
    }
    // Each poll is the client's three tries, all failed.
    expect(queries().map(c => [Date.parse(c.at), c.status])).toEqual(
      due.flatMap((at, i) => Array(3).fill([at, i === 0 ? -1 : 503])),
    );
    expect(
      log.warn.filter(m => m.startsWith(`could not query VOD task ${taskId}`)),
    ).toHaveLength(due.length);

    outbox.sim.setFaults({});
    time = due[4] + 5000;
    expect(await parts.poller.poll()).toBe(1);
    expect(queries().slice(-1)[0].status).toBe(200);
    const [task] = (await outbox.store.getPrefetch(id))!.tasks!;
    expect(task.results.map(r => r.status)).toEqual(
      Array(3).fill('processing'),
    );
    expect(task.error).toBeUndefined();
  });

  it('ends a task VOD has not finished polling.expireAfter after the send as expired, without asking VOD, and never polls it again', async () => {
    const parts = setup();
    const { id, taskId } = await sent(parts);

    time = T0 + 3600_000; // expireAfter after the send: still followed
    expect(await parts.poller.poll()).toBe(1);
    expect(queries()).toHaveLength(1);
    expect(await status(id)).toBe('processing');

    time += 2000; // its next poll
    expect(await parts.poller.poll()).toBe(1);
    expect(queries()).toHaveLength(1);
    expect(await outbox.store.getPrefetch(id)).toMatchObject({
      status: 'expired',
      tasks: [
        { status: 'expired', taskId, error: { code: 'VOD_TASK_EXPIRED' } },
      ],
    });

    for (const later of [5000, 3600_000, 7 * 86400_000]) {
      time += later;
      expect(await parts.poller.poll()).toBe(0);
    }
    expect(queries()).toHaveLength(1);
    expect(await status(id)).toBe('expired');
  });

  it('keeps following, without asking VOD, a task in flight for an account not configured here, until expireAfter', async () => {
    const { id, taskId } = await sent(setup());
    // Restarted without `main` (removed, or a replica not yet given it), long before expireAfter.
    const { poller } = setup({
      accounts: [{ ...configuredAccount(outbox.sim.url), name: 'b' }],
    });
    time += 1000;
    expect(await poller.poll()).toBe(1);
    expect(await outbox.store.getPrefetch(id)).toMatchObject({
      status: 'processing',
      tasks: [{ status: 'processing', taskId }],
    });
    const told = () =>
      log.warn.filter(line =>
        line.startsWith(
          'VOD tasks of account main are not followed: it is not configured here',
        ),
      );
    expect(told()).toHaveLength(1);
    // Looked at again after polling.maxDelay, told again only 10 minutes on.
    time += 5000;
    expect(await poller.poll()).toBe(1);
    expect(told()).toHaveLength(1);
    time += 600_000;
    expect(await poller.poll()).toBe(1);
    expect(told()).toHaveLength(2);
    time += 3600_000;
    expect(await poller.poll()).toBe(1);
    expect(await outbox.store.getPrefetch(id)).toMatchObject({
      status: 'expired',
      tasks: [
        { status: 'expired', taskId, error: { code: 'VOD_TASK_EXPIRED' } },
      ],
    });
    expect(await poller.poll()).toBe(0);
    expect(queries()).toHaveLength(0);
    expect(log.error).toEqual([]);
  });
});
