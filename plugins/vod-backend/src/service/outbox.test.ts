import type { VodSimulator } from '@mediaops/vod-simulator';
import { IAM_USER } from '../__testUtils__/vodAccount';
import { useOutbox } from '../__testUtils__/outbox';
import type { VodStore } from '../database/VodStore';

// The dispatcher and the poller on the real store (SQLite) against the simulator over HTTP, all
// on one injected clock, so that quota days, leases and expiry can be walked through.

jest.setTimeout(30_000);

/** 23:59 on 25 November in Beijing: VOD's quota day is about to turn. */
const BEFORE_MIDNIGHT = Date.parse('2026-11-25T15:59:00Z');

describe('the outbox: dispatcher and poller', () => {
  let time = BEFORE_MIDNIGHT;
  const now = () => time;
  const outbox = useOutbox({ now });
  const { log, queue, status, creates } = outbox;
  let store: VodStore;
  let sim: VodSimulator;
  beforeAll(() => {
    store = outbox.store;
    sim = outbox.sim;
  });
  beforeEach(() => {
    time = BEFORE_MIDNIGHT;
  });

  function setup(
    options: {
      account?: Record<string, unknown>;
      store?: VodStore;
      claimLeaseMs?: number;
    } = {},
  ) {
    return outbox.setup({
      account: options.account,
      store: options.store,
      dispatcher: {
        firstPollDelayMs: 0,
        claimLeaseMs: options.claimLeaseMs ?? 10_000,
      },
    });
  }

  /** VOD's own count of accepted creates per quota day (GMT+08:00). */
  const vodCountByDay = () => {
    const days: Record<string, number> = {};
    for (const call of creates().filter(c => c.status === 202)) {
      const day = new Date(Date.parse(call.at) + 8 * 3600_000)
        .toISOString()
        .slice(0, 10);
      days[day] = (days[day] ?? 0) + 1;
    }
    return days;
  };

  it('counts a backlog sent after midnight on the day VOD receives it, as VOD does', async () => {
    const { dispatcher } = setup();
    const ids = [await queue(), await queue(), await queue()];
    time += 90_000; // 00:00:30 the next day in Beijing
    await dispatcher.wake('main');
    expect(await Promise.all(ids.map(status))).toEqual(
      Array(3).fill('processing'),
    );
    expect(vodCountByDay()).toEqual({ '2026-11-26': 3 });
    expect(await store.quotaUsed('main', '2026-11-25')).toBe(0);
    expect(await store.quotaUsed('main', '2026-11-26')).toBe(3);
  });

  it("passes over a task today's quota cannot take, and sends the ones behind it", async () => {
    const { dispatcher } = setup({ account: { dailyQuota: 1 } });
    const old = await queue({ quotaLimit: 1 });
    time += 90_000;
    const today = await queue({ quotaLimit: 1 });
    await dispatcher.wake('main');
    expect([await status(old), await status(today)]).toEqual([
      'pending',
      'processing',
    ]);
    expect(creates()).toHaveLength(1);
  });

  it('records a late acceptance after its claim was recovered: VOD gets the call once', async () => {
    const { dispatcher } = setup({ claimLeaseMs: 1 });
    const id = await queue();
    sim.setFaults({ latencyMs: 700, routes: ['create'] });
    const sending = dispatcher.wake('main');
    while (creates().length === 0) await new Promise(r => setTimeout(r, 10));
    // Another replica's sweep finds the claim past its lease while the call is still out.
    time += 10;
    expect(await store.recoverInterruptedClaims(now(), 0)).toBe(1);
    await sending;
    expect(await status(id)).toBe('processing');
    sim.setFaults({});
    await dispatcher.sweep();
    await dispatcher.wake('main');
    expect(creates()).toHaveLength(1);
    expect((await store.getPrefetch(id))!.tasks![0].taskId).toBe(
      creates()[0].taskId,
    );
  });

  it('keeps trying to record an acceptance while the database fails, and never sends again', async () => {
    let failures = 2;
    const flaky: VodStore = Object.create(store);
    flaky.markAccepted = async (...args) => {
      if (failures-- > 0) throw new Error('database is down');
      return store.markAccepted(...args);
    };
    const { dispatcher } = setup({ store: flaky });
    const id = await queue();
    await dispatcher.wake('main');
    const taskId = creates()[0].taskId!;
    expect(await status(id)).toBe('processing');
    expect(creates()).toHaveLength(1);
    expect(log.error.filter(m => m.includes(taskId))).toHaveLength(2);
    expect(log.error[0]).toContain(
      `as VOD task ${taskId}, but recording it failed`,
    );
  });

  it('never lets another replica send again a call VOD accepted while its sender could not record it', async () => {
    let failing = true;
    const flaky: VodStore = Object.create(store);
    flaky.markAccepted = async (...args) => {
      if (failing) throw new Error('database is down (for replica A)');
      return store.markAccepted(...args);
    };
    const a = setup({ store: flaky, claimLeaseMs: 10_000 });
    const b = setup({ claimLeaseMs: 10_000 }); // replica B, its database connection healthy
    const id = await queue();
    const sendingA = a.dispatcher.wake('main');
    while (!log.error.some(m => m.includes('recording it failed'))) {
      await new Promise(r => setTimeout(r, 5));
    }
    time += 10_001; // A's lease is over while A keeps trying to write
    await b.dispatcher.sweep(); // B recovers the claim...
    await b.dispatcher.wake('main'); // ...but may not send it again yet
    expect(creates()).toHaveLength(1);
    failing = false;
    await sendingA; // A records VOD's acceptance
    time += 10_001; // past the grace: nothing is left to send
    await b.dispatcher.sweep();
    await b.dispatcher.wake('main');
    expect(creates()).toHaveLength(1);
    expect(await status(id)).toBe('processing');
    expect((await store.getPrefetch(id))!.tasks![0].taskId).toBe(
      creates()[0].taskId,
    );
  });

  it('gives up a task queued longer than the queue timeout, giving its quota back', async () => {
    const { dispatcher } = setup({
      account: { accessKeyId: 'AK', secretAccessKey: 'wrong' },
    });
    const id = await queue();
    await dispatcher.wake('main'); // refused credentials: stays queued
    expect(await status(id)).toBe('pending');
    time += 3600_001;
    await dispatcher.sweep();
    expect(await store.getPrefetch(id)).toMatchObject({
      status: 'expired',
      error: { code: 'VOD_QUEUE_EXPIRED' },
    });
    expect(await store.quotaUsed('main', '2026-11-25')).toBe(0);
  });

  it('backs off after API Gateway throttles a send and goes on from that task, not waiting for the sweep', async () => {
    const { dispatcher } = setup();
    const ids = [await queue(), await queue()];
    sim.queueFault(
      { kind: '429', route: 'create' },
      { kind: '429', route: 'create' },
    );
    const started = Date.now();
    await dispatcher.wake('main');
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000); // 1 s, then 2 s
    expect(await Promise.all(ids.map(status))).toEqual([
      'processing',
      'processing',
    ]);
    expect(sim.calls().map(c => c.status)).toEqual([429, 429, 202, 202]);
  });

  it("sends once more at once, by VOD's time, when VOD's clock is 20 minutes ahead", async () => {
    const { dispatcher, accounts } = setup();
    sim.advance(20 * 60_000);
    const id = await queue();
    await dispatcher.wake('main');
    expect(await status(id)).toBe('processing');
    expect(sim.calls().map(c => [c.route, c.status])).toEqual([
      ['create', 401],
      ['create', 202],
    ]);
    expect(accounts.problemOf('main')).toBeUndefined();
  });

  it('keeps tasks queued while VOD refuses the AK/SK, reporting the account once', async () => {
    const { dispatcher, accounts } = setup({
      account: { secretAccessKey: 'wrong' },
    });
    const ids = [await queue(), await queue()];
    await dispatcher.wake('main');
    await dispatcher.wake('main');
    expect(await Promise.all(ids.map(status))).toEqual(['pending', 'pending']);
    expect(accounts.problemOf('main')).toMatchObject({
      code: 'VOD_CREDENTIALS_REFUSED',
    });
    expect(accounts.summaries()[0].problem).toMatchObject({
      code: 'VOD_CREDENTIALS_REFUSED',
    });
    expect(log.error.filter(m => m.includes('cannot be used'))).toHaveLength(1);
    expect(await store.quotaUsed('main', '2026-11-25')).toBe(2);
  });

  it('keeps tasks queued while IAM refuses the password, asking IAM once, not per task or sweep', async () => {
    const { accessKeyId, secretAccessKey, ...iamAccount } = {
      accessKeyId: undefined,
      secretAccessKey: undefined,
      iam: {
        endpoint: sim.url,
        domainName: IAM_USER.domain,
        userName: IAM_USER.name,
        password: 'wrong',
      },
    };
    const { dispatcher, poller, accounts } = setup({
      account: { ...iamAccount, accessKeyId, secretAccessKey },
    });
    const ids = [await queue(), await queue(), await queue()];
    for (let i = 0; i < 3; i++) {
      await dispatcher.sweep();
      await dispatcher.wake('main');
      await poller.poll();
    }
    expect(sim.calls().filter(c => c.route === 'iam')).toHaveLength(1);
    expect(creates()).toHaveLength(0);
    expect(await Promise.all(ids.map(status))).toEqual(
      Array(3).fill('pending'),
    );
    expect(accounts.problemOf('main')).toMatchObject({
      code: 'IAM_CREDENTIALS_REFUSED',
      message: 'The username or password is wrong.',
    });
  });

  it('counts expiry from the send, not from when the prefetch was queued', async () => {
    const { dispatcher, poller } = setup();
    const id = await queue();
    time += 2 * 3600_000; // two hours in the queue, twice expireAfter
    await dispatcher.wake('main');
    await poller.poll(); // VOD: still processing
    expect(await status(id)).toBe('processing');
    time += 3600_001; // an hour after the send
    await poller.poll();
    expect(await status(id)).toBe('expired');
  });
});
