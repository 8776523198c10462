import { createServer } from 'node:net';
import { startVodSimulator, VodSimulator } from '@mediaops/vod-simulator';
import { MockAgent } from 'undici';
import { IamTokenProvider } from './IamTokenProvider';
import { LimiterClock } from './RateLimiter';
import { VodClient, VodClientOptions } from './VodClient';
import { VodRequestError } from './VodRequestError';

// The client against the VOD simulator over real HTTP, for every success and error path. Only the
// response shapes the simulator never produces use undici's MockAgent (last block).

const PROJECT = '0123456789abcdef0123456789abcdef';
const AK = 'QTWAOYTTINDUT2QVKYUC';
const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';
const ASSET = 'f488337c31c8e4622f1590735b134c65';
const TEMP = {
  projectId: 'temp0000000000000000000000000000',
  accessKeyId: 'TMPAK',
  secretAccessKey: 'tmp-sk',
  securityToken: 'tmp-token+/=',
};

/** A clock that never really waits, and remembers what it was asked to wait. */
function instantClock(): LimiterClock & { slept: number[] } {
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

/** An address where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise(resolve => server.close(resolve));
  return port;
}

describe('VodClient against the VOD simulator', () => {
  let sim: VodSimulator;
  const clients: VodClient[] = [];
  const debug: string[] = [];

  beforeAll(async () => {
    sim = await startVodSimulator({
      accounts: [
        {
          projectId: PROJECT,
          accessKeyId: AK,
          secretAccessKey: SK,
          iamUsers: [{ domain: 'mediaops', name: 'svc', password: 'pw' }],
        },
        { ...TEMP },
      ],
      assets: { [ASSET]: {} },
      processingMs: 1000,
      createsPerMinute: 1000,
      queriesPerMinute: 1000,
      maxBodyBytes: 2048,
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map(c => c.close()));
    await sim.close();
  });
  beforeEach(() => {
    sim.reset();
    debug.length = 0;
  });

  function client(overrides: Partial<VodClientOptions> = {}) {
    const c = VodClient.create({
      endpoint: sim.url,
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
  }

  async function failure(promise: Promise<unknown>): Promise<VodRequestError> {
    const error = await promise.then(
      () => undefined,
      e => e,
    );
    expect(error).toBeInstanceOf(VodRequestError);
    return error;
  }

  const creates = () => sim.calls().filter(c => c.route === 'create');
  const queries = () => sim.calls().filter(c => c.route === 'query');

  describe('success', () => {
    it('creates a prefetch by asset id and follows it to the end', async () => {
      const vod = client();
      const { taskId, requestId } = await vod.createPrefetch({
        assetId: ASSET,
      });
      expect(taskId).toMatch(/^[0-9a-f]{32}$/);
      expect(requestId).toMatch(/^sim-/);

      const first = await vod.queryPrefetch(taskId);
      expect(first.preheating_results.map(r => r.status)).toEqual([
        'processing',
        'processing',
        'processing',
      ]);
      sim.advance(1000);
      const done = await vod.queryPrefetch(taskId);
      expect(done.preheating_results.every(r => r.status === 'succeed')).toBe(
        true,
      );
      expect(creates()[0].auth).toBe('aksk');
    });

    it('creates a prefetch of ten URLs', async () => {
      const urls = Array.from(
        { length: 10 },
        (_, i) => `https://cdn.example.com/asset/${i}.mp4`,
      );
      const { taskId } = await client().createPrefetch({ urls });
      expect(sim.calls()[0].body).toEqual({ urls });
      expect(taskId).toBeTruthy();
    });

    it('refuses an 11th URL itself, sending nothing', async () => {
      const urls = Array.from(
        { length: 11 },
        (_, i) => `https://cdn.example.com/${i}.mp4`,
      );
      await expect(client().createPrefetch({ urls })).rejects.toThrow(
        'takes 1 to 10 URLs, got 11',
      );
      expect(sim.calls()).toEqual([]);
    });

    it('signs temporary credentials with X-Security-Token', async () => {
      const vod = client({
        projectId: TEMP.projectId,
        auth: { type: 'aksk', credentials: () => TEMP },
      });
      sim.reset();
      await expect(
        vod.createPrefetch({ urls: ['https://cdn.example.com/a.mp4'] }),
      ).resolves.toHaveProperty('taskId');
    });

    it('uses rotated keys on the next call', async () => {
      let secret = 'old-and-wrong';
      const vod = client({
        auth: {
          type: 'aksk',
          credentials: () => ({ accessKeyId: AK, secretAccessKey: secret }),
        },
      });
      expect(
        (await failure(vod.createPrefetch({ assetId: ASSET }))).httpStatus,
      ).toBe(401);
      secret = SK;
      await expect(
        vod.createPrefetch({ assetId: ASSET }),
      ).resolves.toHaveProperty('taskId');
    });
  });

  describe('VOD and API Gateway errors', () => {
    it('maps a VOD 400 to its code, message and request id, without retrying', async () => {
      const error = await failure(
        client().createPrefetch({
          assetId: 'ffffffffffffffffffffffffffffffff',
        }),
      );
      expect(error).toMatchObject({
        kind: 'http',
        httpStatus: 400,
        errorCode: 'VOD.10062',
        mayHaveReachedVod: true,
      });
      expect(error.errorMessage).toContain('does not exist');
      expect(error.requestId).toMatch(/^sim-/);
      expect(creates()).toHaveLength(1);
    });

    it('maps an APIGW.0301 signature refusal, keeping the canonical request for the debug log only', async () => {
      const vod = client({
        auth: {
          type: 'aksk',
          credentials: () => ({ accessKeyId: AK, secretAccessKey: 'wrong' }),
        },
      });
      const error = await failure(vod.createPrefetch({ assetId: ASSET }));
      expect(error).toMatchObject({ httpStatus: 401, errorCode: 'APIGW.0301' });
      expect(error.message).not.toMatch(/canonical/i);
      expect(error.errorMessage).toBe(
        'Incorrect IAM authentication information: verify aksk signature fail',
      );
      expect(debug.join('\n')).toContain('/asset/preheating/');
      expect(creates()).toHaveLength(1);
    });

    it('keeps the security token out of the debug log of a signature refusal', async () => {
      const vod = client({
        projectId: TEMP.projectId,
        auth: {
          type: 'aksk',
          credentials: () => ({ ...TEMP, secretAccessKey: 'wrong' }),
        },
      });
      await failure(vod.createPrefetch({ assetId: ASSET }));
      const log = debug.join('\n');
      expect(log).toContain('x-security-token:[redacted]');
      expect(log).not.toContain(TEMP.securityToken);
    });

    it('maps a 404 of an unknown task', async () => {
      const error = await failure(client().queryPrefetch('0000'));
      expect(error).toMatchObject({ httpStatus: 404, errorCode: 'VOD.10064' });
    });

    it('maps a 404 of an endpoint with a wrong path prefix', async () => {
      const error = await failure(
        client({ endpoint: `${sim.url}/wrong` }).createPrefetch({
          assetId: ASSET,
        }),
      );
      expect(error).toMatchObject({ httpStatus: 404, errorCode: 'APIGW.0101' });
    });

    it('maps a 413 of a body over the gateway limit', async () => {
      const urls = Array.from(
        { length: 10 },
        (_, i) => `https://cdn.example.com/${'x'.repeat(300)}/${i}.mp4`,
      );
      const error = await failure(client().createPrefetch({ urls }));
      expect(error).toMatchObject({ httpStatus: 413, errorCode: 'APIGW.0201' });
    });

    it('reports a throttled (429) create as never having reached VOD, and does not repeat it', async () => {
      sim.queueFault({ kind: '429', route: 'create' });
      const error = await failure(client().createPrefetch({ assetId: ASSET }));
      expect(error).toMatchObject({
        httpStatus: 429,
        errorCode: 'APIGW.0308',
        mayHaveReachedVod: false,
      });
      expect(creates().map(c => c.status)).toEqual([429]);
    });

    it('retries a throttled query after at least the base delay', async () => {
      const { taskId } = await client().createPrefetch({ assetId: ASSET });
      sim.queueFault({ kind: '429', route: 'query' });
      const clock = instantClock();
      await client({ clock }).queryPrefetch(taskId);
      expect(queries().map(c => c.status)).toEqual([429, 200]);
      expect(clock.slept).toEqual([200]);
    });

    it('gives up on persistent query throttling after the configured tries', async () => {
      const { taskId } = await client().createPrefetch({ assetId: ASSET });
      sim.setFaults({ rate429: 1, routes: ['query'] });
      const error = await failure(
        client({ retry: { attempts: 4 } }).queryPrefetch(taskId),
      );
      sim.setFaults({});
      expect(error).toMatchObject({ httpStatus: 429, errorCode: 'APIGW.0308' });
      expect(queries()).toHaveLength(4);
    });

    it('never repeats a create answered with a 5xx: VOD may have taken it', async () => {
      sim.queueFault({ kind: '503', route: 'create' });
      const error = await failure(client().createPrefetch({ assetId: ASSET }));
      expect(error).toMatchObject({ httpStatus: 503, mayHaveReachedVod: true });
      expect(creates()).toHaveLength(1);
    });

    it('retries a query answered with a 5xx, with growing jittered backoff', async () => {
      sim.queueFault(
        { kind: '500', route: 'query' },
        { kind: '503', route: 'query' },
      );
      const vod = client();
      const clock = instantClock();
      const { taskId } = await vod.createPrefetch({ assetId: ASSET });
      const result = await client({ clock }).queryPrefetch(taskId);
      expect(result.preheating_results).toHaveLength(3);
      expect(queries().map(c => c.status)).toEqual([500, 503, 200]);
      expect(clock.slept).toEqual([100, 200]); // random 0.5 × 200, × 400
    });
  });

  // undici checks header and body timeouts on a coarse (about 1 s) timer, so the injected delays
  // here are a few seconds long.
  describe('timeouts and broken connections', () => {
    it('times out waiting for the headers, and does not repeat a create', async () => {
      sim.setFaults({ latencyMs: 2500, routes: ['create'] });
      const vod = client({ timeouts: { headersMs: 100 } });
      const error = await failure(vod.createPrefetch({ assetId: ASSET }));
      sim.setFaults({});
      expect(error).toMatchObject({ kind: 'timeout', mayHaveReachedVod: true });
      expect(error.message).toContain('UND_ERR_HEADERS_TIMEOUT');
      expect(creates()).toHaveLength(1);
    });

    it('retries a query that timed out', async () => {
      const { taskId } = await client().createPrefetch({ assetId: ASSET });
      sim.setFaults({ latencyMs: 2500, routes: ['query'] });
      const error = await failure(
        client({
          timeouts: { headersMs: 100 },
          retry: { attempts: 2 },
        }).queryPrefetch(taskId),
      );
      sim.setFaults({});
      expect(error.kind).toBe('timeout');
      expect(queries()).toHaveLength(2);
    });

    it('times out on a body that stalls halfway', async () => {
      sim.queueFault({ kind: 'slow-body', route: 'create', delayMs: 2500 });
      const error = await failure(
        client({ timeouts: { bodyMs: 100 } }).createPrefetch({
          assetId: ASSET,
        }),
      );
      expect(error).toMatchObject({ kind: 'timeout', mayHaveReachedVod: true });
      expect(error.message).toContain('UND_ERR_BODY_TIMEOUT');
    });

    it('does not repeat a create whose connection was reset: it may have been processed', async () => {
      sim.queueFault({ kind: 'reset-after', route: 'create' });
      const error = await failure(client().createPrefetch({ assetId: ASSET }));
      expect(error).toMatchObject({ kind: 'network', mayHaveReachedVod: true });
      expect(creates()).toHaveLength(1);
      // ...and indeed VOD had created the task
      expect(creates()[0].taskId).toBeTruthy();
    });

    it('retries a query whose connection was reset', async () => {
      const { taskId } = await client().createPrefetch({ assetId: ASSET });
      sim.queueFault({ kind: 'reset-before', route: 'query' });
      await expect(client().queryPrefetch(taskId)).resolves.toHaveProperty(
        'preheating_results',
      );
      expect(queries()).toHaveLength(2);
    });

    it('reports a refused connection as never having left, without repeating the create', async () => {
      const port = await closedPort();
      const clock = instantClock();
      const error = await failure(
        client({ endpoint: `http://127.0.0.1:${port}`, clock }).createPrefetch({
          assetId: ASSET,
        }),
      );
      expect(error).toMatchObject({
        kind: 'network',
        mayHaveReachedVod: false,
      });
      expect(error.message).toContain('ECONNREFUSED');
      expect(clock.slept).toEqual([]); // one try: the dispatcher decides what comes next
    });

    it('fails without sending when the host name does not resolve', async () => {
      const error = await failure(
        client({
          endpoint: 'http://vod.simulator.invalid',
          retry: { attempts: 1 },
        }).createPrefetch({ assetId: ASSET }),
      );
      expect(error).toMatchObject({
        kind: 'network',
        mayHaveReachedVod: false,
      });
    });

    it('fails without sending when TLS cannot be established', async () => {
      const tls = sim.url.replace('http://', 'https://');
      const error = await failure(
        client({ endpoint: tls, retry: { attempts: 1 } }).createPrefetch({
          assetId: ASSET,
        }),
      );
      expect(error).toMatchObject({
        kind: 'network',
        mayHaveReachedVod: false,
      });
      expect(creates()).toHaveLength(0);
    });
  });

  describe('rate shaping', () => {
    it('waits for a free slot instead of calling past the account limit', async () => {
      const clock = instantClock();
      const vod = client({ clock, rateLimits: { createsPerMinute: 2 } });
      for (let i = 0; i < 3; i++) await vod.createPrefetch({ assetId: ASSET });
      expect(clock.slept).toEqual([60_000]);
      expect(creates().every(c => c.status === 202)).toBe(true);
    });

    it('claims right before writing, in its slot, and sends nothing when the claim fails', async () => {
      const clock = instantClock();
      const vod = client({ clock, rateLimits: { createsPerMinute: 1 } });
      const order: string[] = [];
      await vod.createPrefetch(
        { assetId: ASSET },
        {
          beforeSend: async () => {
            order.push(`claim with ${creates().length} creates sent`);
          },
        },
      );
      expect(order).toEqual(['claim with 0 creates sent']);
      await expect(
        vod.createPrefetch(
          { assetId: ASSET },
          {
            beforeSend: async () => {
              throw new Error('taken by someone else');
            },
          },
        ),
      ).rejects.toThrow('taken by someone else');
      expect(creates()).toHaveLength(1);
      expect(clock.slept).toEqual([60_000]); // the second waited for its slot...
      expect(vod.expectedCreateWait()).toBe(0); // ...and gave it back unused
    });

    it('lets a query take only a spare slot, leaving half the rate to others', async () => {
      const clock = instantClock();
      const vod = client({ clock, rateLimits: { queriesPerMinute: 2 } });
      const { taskId } = await client().createPrefetch({ assetId: ASSET });
      await vod.queryPrefetch(taskId, { spareOnly: true });
      await expect(
        vod.queryPrefetch(taskId, { spareOnly: true }),
      ).rejects.toMatchObject({
        name: 'RateLimitWaitError',
        retryAfterMs: 60_000,
      });
      expect(queries()).toHaveLength(1);
      await vod.queryPrefetch(taskId); // the other half is still there for a waiting caller
      expect(queries()).toHaveLength(2);
    });
  });

  describe('IAM token auth', () => {
    function tokens(overrides: { password?: string; now?: () => number } = {}) {
      return IamTokenProvider.create({
        credentials: {
          endpoint: sim.url,
          domainName: 'mediaops',
          userName: 'svc',
          password: overrides.password ?? 'pw',
          projectId: PROJECT,
        },
        now: overrides.now,
      });
    }
    const iamCalls = () => sim.calls().filter(c => c.route === 'iam');

    it('authenticates with X-Auth-Token and fetches the token once', async () => {
      const vod = client({ auth: { type: 'token', tokens: tokens() } });
      await vod.createPrefetch({ assetId: ASSET });
      await vod.createPrefetch({ assetId: ASSET });
      expect(creates().map(c => [c.auth, c.status])).toEqual([
        ['token', 202],
        ['token', 202],
      ]);
      expect(iamCalls()).toHaveLength(1);
    });

    it('forgets a token VOD refuses: the create fails unsent, the next call gets a new token', async () => {
      const vod = client({ auth: { type: 'token', tokens: tokens() } });
      await vod.createPrefetch({ assetId: ASSET });
      sim.reset(); // the simulator forgets the tokens it issued
      const refused = await failure(vod.createPrefetch({ assetId: ASSET }));
      expect(refused).toMatchObject({
        httpStatus: 401,
        mayHaveReachedVod: false,
      });
      await vod.createPrefetch({ assetId: ASSET });
      expect(sim.calls().map(c => [c.route, c.status])).toEqual([
        ['create', 401],
        ['iam', 201],
        ['create', 202],
      ]);
    });

    it('asks a query again at once with a new token when VOD refuses the cached one', async () => {
      const vod = client({ auth: { type: 'token', tokens: tokens() } });
      const { taskId } = await client().createPrefetch({ assetId: ASSET });
      await vod.queryPrefetch(taskId);
      const tasks = sim.calls().length;
      sim.advance(24 * 3600_000 + 1); // the simulator's token expired, ours looks valid
      await vod.queryPrefetch(taskId);
      expect(
        sim
          .calls()
          .slice(tasks)
          .map(c => [c.route, c.status]),
      ).toEqual([
        ['query', 401],
        ['iam', 201],
        ['query', 200],
      ]);
    });

    it('renews the token before it expires', async () => {
      let now = Date.now();
      const vod = client({
        auth: { type: 'token', tokens: tokens({ now: () => now }) },
      });
      await vod.createPrefetch({ assetId: ASSET });
      now += 23.5 * 3600_000; // inside the last hour of the 24
      sim.advance(23.5 * 3600_000);
      await vod.createPrefetch({ assetId: ASSET });
      expect(iamCalls()).toHaveLength(2);
      expect(creates().every(c => c.status === 202)).toBe(true);
    });

    it('reports a wrong IAM password as a 401 that never reached VOD', async () => {
      const vod = client({
        auth: { type: 'token', tokens: tokens({ password: 'nope' }) },
      });
      const error = await failure(vod.createPrefetch({ assetId: ASSET }));
      expect(error).toMatchObject({
        httpStatus: 401,
        mayHaveReachedVod: false,
        service: 'iam',
        refusedCredentials: true,
      });
      expect(error.errorMessage).toBe('The username or password is wrong.');
      expect(creates()).toHaveLength(0);
    });

    it('remembers a refused password and backs off instead of asking IAM for every call', async () => {
      let now = Date.now();
      const provider = tokens({ password: 'nope', now: () => now });
      const vod = client({ auth: { type: 'token', tokens: provider } });
      for (let i = 0; i < 20; i++) {
        await failure(vod.createPrefetch({ assetId: ASSET }));
      }
      expect(iamCalls()).toHaveLength(1);
      now += 15 * 60_000; // the first backoff of a refusal
      await failure(vod.createPrefetch({ assetId: ASSET }));
      expect(iamCalls()).toHaveLength(2);
      now += 15 * 60_000; // now doubled: not yet
      await failure(vod.createPrefetch({ assetId: ASSET }));
      expect(iamCalls()).toHaveLength(2);
      // A new password from the config is tried at once.
      provider.updateCredentials({
        endpoint: sim.url,
        domainName: 'mediaops',
        userName: 'svc',
        password: 'pw',
        projectId: PROJECT,
      });
      await vod.createPrefetch({ assetId: ASSET });
      expect(iamCalls()).toHaveLength(3);
      expect(creates()).toHaveLength(1);
    });

    it('backs off throttling by IAM as a passing failure, not as a refused password', async () => {
      let now = Date.now();
      const provider = tokens({ now: () => now });
      sim.queueFault({ kind: '429', route: 'iam' });
      await expect(provider.getToken()).rejects.toMatchObject({
        httpStatus: 429,
      });
      now += 1_000;
      await expect(provider.getToken()).resolves.toMatch(/^MIIsim/);
      expect(iamCalls()).toHaveLength(2);
    });

    it('tries a new password at once, even while a request with the old one is out', async () => {
      const provider = tokens({ password: 'nope' });
      sim.setFaults({ latencyMs: 300, routes: ['iam'] });
      const old = provider.getToken();
      provider.updateCredentials({
        endpoint: sim.url,
        domainName: 'mediaops',
        userName: 'svc',
        password: 'pw',
        projectId: PROJECT,
      });
      const fresh = provider.getToken();
      await expect(old).rejects.toMatchObject({ httpStatus: 401 });
      await expect(fresh).resolves.toMatch(/^MIIsim/);
      sim.setFaults({});
      // The old password's refusal started no backoff for the new one.
      await expect(provider.getToken()).resolves.toMatch(/^MIIsim/);
      expect(iamCalls()).toHaveLength(2);
    });

    it('keeps the shared token request going when one waiting caller leaves', async () => {
      const provider = tokens();
      const leaving = new AbortController();
      const first = provider.getToken(leaving.signal);
      const second = provider.getToken();
      leaving.abort(new Error('caller left'));
      await expect(first).rejects.toThrow('caller left');
      await expect(second).resolves.toMatch(/^MIIsim/);
      expect(iamCalls()).toHaveLength(1);
    });

    it('asks IAM once for many concurrent callers', async () => {
      const provider = tokens();
      const all = await Promise.all(
        Array.from({ length: 5 }, () => provider.getToken()),
      );
      expect(new Set(all).size).toBe(1);
      expect(iamCalls()).toHaveLength(1);
    });
  });
});

describe('VodClient on answers the simulator never gives (MockAgent)', () => {
  const origin = 'https://vod.cn-north-4.myhuaweicloud.com';
  let agent: MockAgent;
  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
  });
  afterEach(() => agent.close());

  const mockClient = () =>
    VodClient.create({
      endpoint: origin,
      projectId: PROJECT,
      auth: {
        type: 'aksk',
        credentials: () => ({ accessKeyId: AK, secretAccessKey: SK }),
      },
      dispatcher: agent,
      clock: instantClock(),
    });

  it('accepts any 2xx, unknown fields and upper-case states', async () => {
    const pool = agent.get(origin);
    pool
      .intercept({ path: `/v1.0/${PROJECT}/asset/preheating`, method: 'POST' })
      .reply(200, { task_id: 't1', extra: true });
    pool
      .intercept({
        path: `/v1.0/${PROJECT}/asset/preheating?task_id=t1`,
        method: 'GET',
      })
      .reply(200, {
        task_id: 't1',
        total: 1,
        preheating_results: [
          {
            url: 'https://a.example.com/x.mp4',
            status: 'SUCCEED',
            percent: 100,
          },
        ],
      });
    const vod = mockClient();
    expect((await vod.createPrefetch({ assetId: ASSET })).taskId).toBe('t1');
    const result = await vod.queryPrefetch('t1');
    expect(result.preheating_results[0].status).toBe('succeed');
  });

  it('reports a 2xx without a task id as an invalid response, not retried', async () => {
    agent
      .get(origin)
      .intercept({ path: `/v1.0/${PROJECT}/asset/preheating`, method: 'POST' })
      .reply(202, '<html>maintenance</html>');
    await expect(
      mockClient().createPrefetch({ assetId: ASSET }),
    ).rejects.toMatchObject({
      kind: 'invalid-response',
      httpStatus: 202,
    });
  });

  it('keeps the status of a non-JSON error page', async () => {
    agent
      .get(origin)
      .intercept({ path: `/v1.0/${PROJECT}/asset/preheating`, method: 'POST' })
      .reply(502, 'Bad Gateway');
    await expect(
      mockClient().createPrefetch({ assetId: ASSET }),
    ).rejects.toMatchObject({
      kind: 'http',
      httpStatus: 502,
      errorCode: undefined,
      mayHaveReachedVod: true,
    });
  });
});
