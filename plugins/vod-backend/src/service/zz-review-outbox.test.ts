import { TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { startVodSimulator, VodSimulator } from '@mediaops/vod-simulator';
import type { Knex } from 'knex';
import { DatabaseVodStore } from '../database/DatabaseVodStore';
import type { NewPrefetch, VodStore } from '../database/VodStore';
import { systemClock } from '../huaweicloud/RateLimiter';
import { readVodConfig } from './config';
import { Dispatcher } from './Dispatcher';
import { Poller } from './Poller';
import { QuotaLedger } from './QuotaLedger';
import { VodAccounts } from './VodAccounts';

// The dispatcher and the poller on the real store (SQLite) against the simulator over HTTP, all
// on one injected clock, so that quota days, leases and expiry can be walked through.

jest.setTimeout(30_000);

const PROJECT = '0123456789abcdef0123456789abcdef';
const AK = 'QTWAOYTTINDUT2QVKYUC';
const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';
const ASSET = 'f488337c31c8e4622f1590735b134c65';
/** 23:59 on 25 November in Beijing: VOD's quota day is about to turn. */
const BEFORE_MIDNIGHT = Date.parse('2026-11-25T15:59:00Z');

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

describe('the outbox: dispatcher and poller', () => {
  let knex: Knex;
  let store: VodStore;
  let sim: VodSimulator;
  let time: number;
  const now = () => time;
  const log = {
    info: [] as string[],
    warn: [] as string[],
    error: [] as string[],
  };
  const logger = {
    debug() {},
    info: (m: string) => log.info.push(m),
    warn: (m: string) => log.warn.push(m),
    error: (m: string) => log.error.push(m),
  };
  let counter = 0;
  const parts: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    knex = await databases.init('SQLITE_3');
    store = await DatabaseVodStore.fromKnex(knex);
    sim = await startVodSimulator({
      accounts: [
        {
          projectId: PROJECT,
          accessKeyId: AK,
          secretAccessKey: SK,
          iamUsers: [{ domain: 'mediaops', name: 'svc', password: 'pw' }],
        },
      ],
      assets: { [ASSET]: {} },
      processingMs: 10,
      createsPerMinute: 10_000,
      queriesPerMinute: 10_000,
      now,
    });
  });
  afterAll(async () => {
    await Promise.all(parts.map(p => p.close()));
    await sim.close();
  });
  beforeEach(async () => {
    time = BEFORE_MIDNIGHT;
    sim.reset();
    sim.setFaults({});
    for (const key of Object.keys(log)) log[key as keyof typeof log].length = 0;
    for (const table of [
      'vod_idempotency_keys',
      'vod_task_results',
      'vod_tasks',
      'vod_prefetches',
      'vod_quota_usage',
    ]) {
      await knex(table).delete();
    }
  });

  function setup(
    options: {
      account?: Record<string, unknown>;
      store?: VodStore;
      claimLeaseMs?: number;
    } = {},
  ) {
    const config = readVodConfig(
      new ConfigReader({
        vod: {
          accounts: [
            {
              name: 'main',
              endpoint: sim.url,
              projectId: PROJECT,
              accessKeyId: AK,
              secretAccessKey: SK,
              dailyQuota: 5,
              rateLimit: { createsPerMinute: 10_000, queriesPerMinute: 10_000 },
              ...options.account,
            },
          ],
          timeouts: { headers: '3s', body: '3s' },
        },
      }),
    );
    const accounts = VodAccounts.fromConfig(config, {
      logger,
      clock: { now, sleep: systemClock.sleep },
    });
    parts.push(accounts);
    const quota = new QuotaLedger(store, 'Asia/Shanghai');
    const dispatcher = new Dispatcher({
      store: options.store ?? store,
      accounts,
      quota,
      logger,
      now,
      firstPollDelayMs: 0,
      claimLeaseMs: options.claimLeaseMs ?? 10_000,
      queueTimeoutMs: 3600_000,
      recordRetryMs: 10,
    });
    const poller = new Poller({
      store,
      accounts,
      logger,
      now,
      initialDelayMs: 1000,
      maxDelayMs: 1000,
      expireAfterMs: 3600_000,
    });
    return { accounts, dispatcher, poller, quota };
  }

  async function queue(overrides: Partial<NewPrefetch> = {}) {
    counter += 1;
    const result = await store.createPrefetch({
      id: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
      account: 'main',
      projectId: PROJECT,
      assetId: ASSET,
      createdBy: 'user:default/guest',
      now: time,
      quotaDay: new QuotaLedger(store, 'Asia/Shanghai').dayOf(time),
      quotaLimit: 5,
      tasks: [{ units: 1 }],
      ...overrides,
    });
    if (result.kind !== 'created') throw new Error(result.kind);
    return result.prefetch.id;
  }

  const status = async (id: string) => (await store.getPrefetch(id))!.status;
  const creates = () => sim.calls().filter(c => c.route === 'create');
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

  it('PROBE 1: a DB failure past the lease lets another replica re-send a call VOD accepted', async () => {
    let failing = true;
    const flaky: VodStore = Object.create(store);
    flaky.markAccepted = async (...args) => {
      if (failing) throw new Error('database is down (for replica A)');
      return store.markAccepted(...args);
    };
    const a = setup({ store: flaky, claimLeaseMs: 10_000 });
    const b = setup({ claimLeaseMs: 10_000 }); // replica B, healthy connection
    const id = await queue();
    const sendingA = a.dispatcher.wake('main');
    while (!log.error.some(m => m.includes('recording it failed'))) {
      await new Promise(r => setTimeout(r, 5));
    }
    const firstTaskId = creates()[0].taskId;
    time += 10_001; // lease over while A keeps retrying the write
    await b.dispatcher.sweep(); // recovers the claim and wakes B
    await b.dispatcher.wake('main');
    failing = false;
    await sendingA;
    // eslint-disable-next-line no-console
    console.log(
      'PROBE1 creates',
      creates().map(c => c.taskId),
      'first',
      firstTaskId,
      'status',
      await status(id),
      'warn',
      log.warn,
    );
    expect(creates()).toHaveLength(2);
  });

  it('PROBE 2: giving up "unsent" tasks also takes a requeued possible duplicate: refund + PORTAL_NOT_SENT', async () => {
    const id = await queue();
    const [task] = await store.pendingTasks('main', 10, 0);
    const day = new QuotaLedger(store, 'Asia/Shanghai').dayOf(time);
    expect(
      await store.claimTask(task.rowId, {
        token: 't1',
        now: time,
        leaseUntil: time + 1000,
        quotaDay: day,
        quotaLimit: 5,
      }),
    ).toBe('claimed');
    // the call timed out: it may have reached VOD
    expect(
      await store.markUncertain(
        task.rowId,
        't1',
        { code: 'timeout', message: 'timed out' },
        time,
      ),
    ).toBe(true);
    expect(await store.quotaUsed('main', day)).toBe(1);
    const given = await store.failUnsentTasks(
      { prefetchId: id },
      {
        status: 'failed',
        error: { code: 'PORTAL_NOT_SENT', message: 'nothing was sent' },
        forgetKey: true,
      },
      time,
    );
    const p = await store.getPrefetch(id);
    // eslint-disable-next-line no-console
    console.log(
      'PROBE2 given up',
      given,
      'quota',
      await store.quotaUsed('main', day),
      JSON.stringify(p),
    );
    expect(given).toBe(1);
    expect(await store.quotaUsed('main', day)).toBe(0);
  });

  it('PROBE 3: a config reload that narrows allowedUrlPrefixes is silently ignored', async () => {
    const { accounts } = setup({
      account: { allowedUrlPrefixes: ['https://cdn.example.com/'] },
    });
    const narrowed = readVodConfig(
      new ConfigReader({
        vod: {
          accounts: [
            {
              name: 'main',
              endpoint: sim.url,
              projectId: PROJECT,
              accessKeyId: AK,
              secretAccessKey: SK,
              dailyQuota: 1,
              allowedUrlPrefixes: ['https://cdn.example.com/public/'],
            },
          ],
        },
      }),
    );
    expect(() => accounts.updateCredentials(narrowed)).not.toThrow();
    const cfg = accounts.get('main')!.config;
    // eslint-disable-next-line no-console
    console.log(
      'PROBE3 after reload',
      cfg.allowedUrls.spelled,
      cfg.dailyQuota,
      log,
    );
    expect(
      cfg.allowedUrls.allows(new URL('https://cdn.example.com/private/x.mp4')),
    ).toBe(true);
  });
});
