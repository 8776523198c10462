import {
  type RecordedCall,
  startVodSimulator,
  VodSimulator,
} from '@mediaops/vod-simulator';
import {
  AK,
  ASSET,
  PROJECT,
  SIMULATED_ACCOUNT,
  SK,
} from '../../__testUtils__/vodAccount';
import { LimiterClock } from '../RateLimiter';
import { VodClient, VodClientOptions } from '../VodClient';
import { VodRequestError } from '../VodRequestError';

// What the VodClient tests share: one VOD account (AK/SK and an IAM user) in the simulator,
// clients against it that never really wait, and the calls the simulator saw.

/** ASSET: the one asset published in the simulator. */
export { AK, ASSET, PROJECT, SK };
/** A second account, signed with temporary credentials. */
export const TEMP = {
  projectId: 'temp0000000000000000000000000000',
  accessKeyId: 'TMPAK',
  secretAccessKey: 'tmp-sk',
  securityToken: 'tmp-token+/=',
};

/** A clock that never really waits, and remembers what it was asked to wait. */
export function instantClock(): LimiterClock & { slept: number[] } {
  const slept: number[] = [];
  let now = Date.now();
  return {
    slept,
    now: () => now,
    sleep: async ms => {
      slept.push(ms);
      now += ms;
    },
  };
}

/** The error a call failed with, which must be a VodRequestError. */
export async function failure(
  promise: Promise<unknown>,
): Promise<VodRequestError> {
  const error = await promise.then(
    () => undefined,
    e => e,
  );
  expect(error).toBeInstanceOf(VodRequestError);
  return error;
}

export interface SimulatedVod {
  /** Started in `beforeAll`, reset before each test. */
  readonly sim: VodSimulator;
  /** The clients' debug log lines of the current test. */
  readonly debug: string[];
  /** A client of the AK/SK account with an instant clock and a jitter of 0.5; closed after all. */
  client(overrides?: Partial<VodClientOptions>): VodClient;
  creates(): RecordedCall[];
  queries(): RecordedCall[];
}

/**
 * Registers the simulator's `beforeAll`, `afterAll` and `beforeEach` in the calling `describe`
 * (or file), and gives what its tests use.
 */
export function useSimulatedVod(): SimulatedVod {
  let sim: VodSimulator | undefined;
  const clients: VodClient[] = [];
  const debug: string[] = [];
  const started = () => {
    if (!sim) throw new Error('the VOD simulator starts in beforeAll');
    return sim;
  };

  beforeAll(async () => {
    sim = await startVodSimulator({
      accounts: [SIMULATED_ACCOUNT, { ...TEMP }],
      assets: { [ASSET]: {} },
      processingMs: 1000,
      createsPerMinute: 1000,
      queriesPerMinute: 1000,
      maxBodyBytes: 2048,
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map(c => c.close()));
    await sim?.close();
  });
  beforeEach(() => {
    started().reset();
    debug.length = 0;
  });

  return {
    get sim() {
      return started();
    },
    debug,
    client(overrides = {}) {
      const c = VodClient.create({
        endpoint: started().url,
        projectId: PROJECT,
        auth: {
          type: 'aksk',
          credentials: () => ({ accessKeyId: AK, secretAccessKey: SK }),
        },
        clock: instantClock(),
        random: () => 0.5,
        logger: { debug: m => debug.push(m), warn: () => {} },
        ...overrides,
      });
      clients.push(c);
      return c;
    },
    creates: () =>
      started()
        .calls()
        .filter(c => c.route === 'create'),
    queries: () =>
      started()
        .calls()
        .filter(c => c.route === 'query'),
  };
}
