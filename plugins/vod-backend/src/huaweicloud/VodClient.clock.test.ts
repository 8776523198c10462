import { startVodSimulator, VodSimulator } from '@mediaops/vod-simulator';
import { Agent, MockAgent } from 'undici';
import { SIMULATED_ACCOUNT } from '../__testUtils__/vodAccount';
import { IamTokenProvider } from './IamTokenProvider';
import { VodClient, VodClientOptions } from './VodClient';
import {
  ASSET,
  failure,
  instantClock,
  PROJECT,
} from './__testUtils__/simulatedVod';

// API Gateway refuses a signature dated more than 15 minutes from its clock. The client learns
// the server's time from the refusal's Date, sends the call once more signed by it, and keeps to
// it: against the VOD simulator over HTTP, its clock set apart from ours.

const MINUTE = 60_000;

describe('VodClient with a clock apart from the server', () => {
  let sim: VodSimulator;
  /** How far the simulator's clock is ahead of the machine's (behind when negative). */
  let simAheadMs = 0;
  let warnings: string[];
  /** Run at each warn line, before the client goes on: a test moves the server's clock there. */
  let onWarn: () => void;
  const clients: VodClient[] = [];
  const agent = new Agent();

  beforeAll(async () => {
    sim = await startVodSimulator({
      accounts: [SIMULATED_ACCOUNT],
      assets: { [ASSET]: {} },
      createsPerMinute: 1000,
      queriesPerMinute: 1000,
      now: () => Date.now() + simAheadMs,
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map(c => c.close()));
    await agent.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.reset();
    simAheadMs = 0;
    warnings = [];
    onWarn = () => {};
  });

  function client(overrides: Partial<VodClientOptions> = {}) {
    const c = VodClient.create({
      endpoint: sim.url,
      projectId: PROJECT,
      auth: {
        type: 'aksk',
        credentials: () => ({
          accessKeyId: SIMULATED_ACCOUNT.accessKeyId,
          secretAccessKey: SIMULATED_ACCOUNT.secretAccessKey,
        }),
      },
      clock: instantClock(),
      random: () => 0.5,
      logger: {
        debug: () => {},
        warn: m => {
          warnings.push(m);
          onWarn();
        },
      },
      ...overrides,
    });
    clients.push(c);
    return c;
  }
  const calls = (route: 'create' | 'query') =>
    sim.calls().filter(c => c.route === route);
  async function simulatedTasks(): Promise<unknown[]> {
    const res = await fetch(`${sim.url}/admin/tasks`);
    return (await res.json()).tasks;
  }
  /** The two times and the offset of a warn line. */
  function timesOf(line: string) {
    const m =
      /server time (\S+Z), local time (\S+Z), offset ([+-]\d+\.\d) s/.exec(
        line,
      );
    expect(m).not.toBeNull();
    return {
      server: Date.parse(m![1]),
      local: Date.parse(m![2]),
      offsetMs: Number(m![3]) * 1000,
    };
  }

  it.each([
    ['ahead of', +20],
    ['behind', -20],
  ])(
    'a create with the server 20 minutes %s us goes through after one refused try, and the next call at once',
    async (_, minutes) => {
      simAheadMs = minutes * MINUTE;
      const vod = client();
      const before = Date.now();
      const { taskId } = await vod.createPrefetch({ assetId: ASSET });

      expect(calls('create').map(c => [c.status, c.errorCode])).toEqual([
        [401, 'APIGW.0301'],
        [202, undefined],
      ]);
      expect(calls('create')[1].taskId).toBe(taskId);
      expect(await simulatedTasks()).toHaveLength(1);

      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('VOD prefetch create was refused');
      expect(warnings[0]).toContain('sending it once more');
      const { server, local, offsetMs } = timesOf(warnings[0]);
      expect(Math.abs(local - before)).toBeLessThan(5_000);
      expect(Math.abs(server - local - minutes * MINUTE)).toBeLessThan(5_000);
      // The line gives the offset to a tenth of a second: within 50 ms of the two times' difference.
      expect(Math.abs(offsetMs - (server - local))).toBeLessThanOrEqual(50);
      expect(warnings[0]).not.toContain(SIMULATED_ACCOUNT.secretAccessKey);

      // Signed by the server's time from now on: right the first time.
      await vod.queryPrefetch(taskId);
      await vod.createPrefetch({ assetId: ASSET });
      expect(calls('query').map(c => c.status)).toEqual([200]);
      expect(calls('create').map(c => c.status)).toEqual([401, 202, 202]);
      expect(warnings).toHaveLength(1);
    },
  );

  it('a query with the server 20 minutes ahead goes through after one refused try', async () => {
    const vod = client();
    const { taskId } = await vod.createPrefetch({ assetId: ASSET });
    simAheadMs = 20 * MINUTE;
    await expect(vod.queryPrefetch(taskId)).resolves.toHaveProperty(
      'preheating_results',
    );
    expect(calls('query').map(c => [c.status, c.errorCode])).toEqual([
      [401, 'APIGW.0301'],
      [200, undefined],
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('VOD prefetch query was refused');
  });

  it('a create refused again after its one re-send (the server clock moved meanwhile) surfaces, unsent to VOD', async () => {
    simAheadMs = 20 * MINUTE;
    onWarn = () => {
      simAheadMs += 20 * MINUTE; // between the two tries, once
      onWarn = () => {};
    };
    const vod = client();
    const error = await failure(vod.createPrefetch({ assetId: ASSET }));
    expect(error).toMatchObject({
      kind: 'http',
      httpStatus: 401,
      errorCode: 'APIGW.0301',
      mayHaveReachedVod: false,
    });
    expect(error.clockSkew?.offsetMs).toBeGreaterThan(39 * MINUTE);
    expect(calls('create').map(c => c.status)).toEqual([401, 401]);
    expect(await simulatedTasks()).toEqual([]);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toContain('this call is not sent again');

    // The second refusal taught the new offset: the next create goes through at once.
    await vod.createPrefetch({ assetId: ASSET });
    expect(calls('create').map(c => c.status)).toEqual([401, 401, 202]);
    expect(await simulatedTasks()).toHaveLength(1);
  });

  it('a query refused again after its one re-send is not tried a third time by its own retries', async () => {
    const vod = client();
    const { taskId } = await vod.createPrefetch({ assetId: ASSET });
    simAheadMs = -20 * MINUTE;
    onWarn = () => {
      simAheadMs -= 20 * MINUTE;
      onWarn = () => {};
    };
    const error = await failure(vod.queryPrefetch(taskId));
    expect(error).toMatchObject({ httpStatus: 401, errorCode: 'APIGW.0301' });
    expect(calls('query').map(c => c.status)).toEqual([401, 401]);
  });

  it('does not re-send a create whose refusal came after half its timeouts: the claim covers one call', async () => {
    simAheadMs = 20 * MINUTE;
    sim.setFaults({ latencyMs: 1500, routes: ['create'] }); // of 2.8 s in all
    const vod = client({
      timeouts: { connectMs: 200, headersMs: 2400, bodyMs: 200 },
    });
    try {
      const error = await failure(vod.createPrefetch({ assetId: ASSET }));
      expect(error).toMatchObject({
        httpStatus: 401,
        mayHaveReachedVod: false,
      });
      expect(calls('create')).toHaveLength(1);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('this call is not sent again');
    } finally {
      sim.setFaults({});
    }
    // The offset was learnt all the same.
    await vod.createPrefetch({ assetId: ASSET });
    expect(calls('create').map(c => c.status)).toEqual([401, 202]);
  });

  it('leaves a wrong key alone: a signature refusal dated by a server that agrees with us is not re-sent', async () => {
    const vod = client({
      auth: {
        type: 'aksk',
        credentials: () => ({
          accessKeyId: SIMULATED_ACCOUNT.accessKeyId,
          secretAccessKey: 'wrong',
        }),
      },
    });
    const error = await failure(vod.createPrefetch({ assetId: ASSET }));
    expect(error).toMatchObject({ httpStatus: 401, errorCode: 'APIGW.0301' });
    expect(error.clockSkew).toBeUndefined();
    expect(calls('create')).toHaveLength(1);
    expect(warnings).toEqual([]);
  });

  it('with an IAM token there is no signature time to refuse: the skewed server takes it at once', async () => {
    simAheadMs = 20 * MINUTE;
    const tokens = IamTokenProvider.create({
      credentials: {
        endpoint: sim.url,
        domainName: 'mediaops',
        userName: 'svc',
        password: 'pw',
        projectId: PROJECT,
      },
      dispatcher: agent,
    });
    const vod = client({ auth: { type: 'token', tokens } });
    await vod.createPrefetch({ assetId: ASSET });
    expect(calls('create').map(c => [c.auth, c.status])).toEqual([
      ['token', 202],
    ]);
    expect(warnings).toEqual([]);
  });

  it('cannot correct a skew refusal without a Date: one call, the error surfaces (MockAgent)', async () => {
    const mock = new MockAgent();
    mock.disableNetConnect();
    mock
      .get('https://vod.example.com')
      .intercept({ path: /preheating/, method: 'POST' })
      .reply(401, {
        error_code: 'APIGW.0301',
        error_msg:
          'Incorrect IAM authentication information: calc ak sk signature fail:signature expired',
      });
    const vod = client({
      endpoint: 'https://vod.example.com',
      dispatcher: mock,
    });
    const error = await failure(vod.createPrefetch({ assetId: ASSET }));
    expect(error).toMatchObject({ httpStatus: 401, clockSkew: undefined });
    expect(warnings).toEqual([
      expect.stringContaining('its answer has no Date'),
    ]);
    mock.assertNoPendingInterceptors();
    await mock.close();
  });
});
