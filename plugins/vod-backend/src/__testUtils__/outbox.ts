// The dispatcher and the poller on the real store (SQLite) against the simulator over HTTP, all
// on one injected clock, so that quota days, leases, backoff and expiry can be walked through.
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  RecordedCall,
  SimulatorOptions,
  startVodSimulator,
  VodSimulator,
} from '@mediaops/vod-simulator';
import type { Knex } from 'knex';
import { emptyTables, newPrefetch } from '../database/__testUtils__/storeTests';
import { DatabaseVodStore } from '../database/DatabaseVodStore';
import type { NewPrefetch, VodStore } from '../database/VodStore';
import { LimiterClock, systemClock } from '../huaweicloud/RateLimiter';
import { QuotaLedger } from '../quota/QuotaLedger';
import { readVodConfig, VodConfig } from '../service/config';
import { Dispatcher, DispatcherOptions } from '../service/Dispatcher';
import { Poller, PollerOptions } from '../service/Poller';
import { VodAccounts } from '../service/VodAccounts';
import {
  ASSET,
  configuredAccount,
  PROJECT,
  SIMULATED_ACCOUNT,
} from './vodAccount';

export interface OutboxSetupOptions {
  /** Merged into the configured account `main`. */
  account?: Record<string, unknown>;
  /** Merged into `vod` (`polling`, `queueTimeout`, ...); `accounts` replaces `main`. */
  vod?: Record<string, unknown>;
  /** The store the dispatcher and the poller use (default the real one). */
  store?: VodStore;
  /** How the VOD clients wait (a query's retry backoff); default for real. */
  sleep?: LimiterClock['sleep'];
  /** Besides what the config gives, as plugin.ts wires it. */
  dispatcher?: Partial<DispatcherOptions>;
  poller?: Partial<PollerOptions>;
}

export interface OutboxParts {
  config: VodConfig;
  accounts: VodAccounts;
  quota: QuotaLedger;
  dispatcher: Dispatcher;
  poller: Poller;
}

export interface Outbox {
  readonly knex: Knex;
  readonly store: VodStore;
  readonly sim: VodSimulator;
  /** What the parts logged in the current test, by level. */
  readonly log: { info: string[]; warn: string[]; error: string[] };
  /** Accounts, dispatcher and poller from a `vod` config, stopped after the test. */
  setup(options?: OutboxSetupOptions): OutboxParts;
  /** Records a prefetch of ASSET (one unit) on account `main`, queued now; returns its id. */
  queue(overrides?: Partial<NewPrefetch>): Promise<string>;
  status(id: string): Promise<string>;
  /** The create calls the simulator received in the current test. */
  creates(): RecordedCall[];
}

/**
 * The store, the simulator and the parts of the calling `describe`, on the clock `now`: started
 * in its `beforeAll`, emptied before each test. The test owns the clock.
 */
export function useOutbox(options: {
  now: () => number;
  simulator?: Partial<SimulatorOptions>;
}): Outbox {
  const { now } = options;
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  let knex: Knex | undefined;
  let store: VodStore | undefined;
  let sim: VodSimulator | undefined;
  const started = () => {
    if (!knex || !store || !sim)
      throw new Error('the outbox starts in beforeAll');
    return { knex, store, sim };
  };
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
  const accountSets: VodAccounts[] = [];
  let dispatchers: Dispatcher[] = [];

  beforeAll(async () => {
    knex = await databases.init('SQLITE_3');
    store = await DatabaseVodStore.create({
      database: mockServices.database({ knex }),
    });
    sim = await startVodSimulator({
      accounts: [SIMULATED_ACCOUNT],
      assets: { [ASSET]: {} },
      processingMs: 10,
      createsPerMinute: 10_000,
      queriesPerMinute: 10_000,
      now,
      ...options.simulator,
    });
  });
  afterAll(async () => {
    await Promise.all(accountSets.map(a => a.close()));
    await sim?.close();
  });
  beforeEach(async () => {
    started().sim.reset();
    started().sim.setFaults({});
    for (const lines of Object.values(log)) lines.length = 0;
    await emptyTables(started().knex);
  });
  afterEach(async () => {
    await Promise.all(dispatchers.map(d => d.stop()));
    dispatchers = [];
  });

  function setup(setupOptions: OutboxSetupOptions = {}): OutboxParts {
    const config = readVodConfig(
      new ConfigReader({
        vod: {
          accounts: [
            {
              ...configuredAccount(started().sim.url),
              dailyQuota: 5,
              rateLimit: { createsPerMinute: 10_000, queriesPerMinute: 10_000 },
              ...setupOptions.account,
            },
          ],
          timeouts: { headers: '3s', body: '3s' },
          queueTimeout: '1h',
          polling: { initialDelay: '1s', maxDelay: '1s', expireAfter: '1h' },
          ...setupOptions.vod,
        },
      }),
    );
    const accounts = VodAccounts.fromConfig(config, {
      logger,
      clock: { now, sleep: setupOptions.sleep ?? systemClock.sleep },
    });
    accountSets.push(accounts);
    const partsStore = setupOptions.store ?? started().store;
    const quota = new QuotaLedger(started().store, config.quotaTimeZone);
    const dispatcher = new Dispatcher({
      store: partsStore,
      accounts,
      quota,
      logger,
      now,
      firstPollDelayMs: config.polling.initialDelayMs,
      claimLeaseMs: config.claimLeaseMs,
      queueTimeoutMs: config.queueTimeoutMs,
      recordRetryMs: 10,
      ...setupOptions.dispatcher,
    });
    dispatchers.push(dispatcher);
    const poller = new Poller({
      store: partsStore,
      accounts,
      logger,
      now,
      initialDelayMs: config.polling.initialDelayMs,
      maxDelayMs: config.polling.maxDelayMs,
      expireAfterMs: config.polling.expireAfterMs,
      ...setupOptions.poller,
    });
    return { config, accounts, quota, dispatcher, poller };
  }

  async function queue(overrides: Partial<NewPrefetch> = {}) {
    const result = await started().store.createPrefetch(
      newPrefetch({
        projectId: PROJECT,
        now: now(),
        quotaDay: new QuotaLedger(started().store, 'Asia/Shanghai').dayOf(
          now(),
        ),
        quotaLimit: 5,
        ...overrides,
      }),
    );
    if (result.kind !== 'created') throw new Error(result.kind);
    return result.prefetch.id;
  }

  return {
    get knex() {
      return started().knex;
    },
    get store() {
      return started().store;
    },
    get sim() {
      return started().sim;
    },
    log,
    setup,
    queue,
    status: async id => (await started().store.getPrefetch(id))!.status,
    creates: () =>
      started()
        .sim.calls()
        .filter(c => c.route === 'create'),
  };
}
