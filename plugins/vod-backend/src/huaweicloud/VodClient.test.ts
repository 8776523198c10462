import type { VodSimulator } from '@mediaops/vod-simulator';
import { MockAgent } from 'undici';
import { VodClient } from './VodClient';
import {
  AK,
  ASSET,
  failure,
  instantClock,
  PROJECT,
  SK,
  TEMP,
  useSimulatedVod,
} from './__testUtils__/simulatedVod';

// The client against the VOD simulator over real HTTP: creates, queries and rate shaping. Only
// the response shapes the simulator never produces use undici's MockAgent (last block). Errors
// are in VodClient.errors.test.ts, IAM tokens in VodClient.iam.test.ts.

describe('VodClient against the VOD simulator', () => {
  let sim: VodSimulator;
  const vodSim = useSimulatedVod();
  const { client, creates, queries } = vodSim;
  beforeAll(() => {
    sim = vodSim.sim;
  });

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

  it.each([
    [
      'a 2xx without a task id as an invalid response, not retried',
      202,
      '<html>maintenance</html>',
      { kind: 'invalid-response', httpStatus: 202 },
    ],
    [
      'a non-JSON error page by its status',
      502,
      'Bad Gateway',
      {
        kind: 'http',
        httpStatus: 502,
        errorCode: undefined,
        mayHaveReachedVod: true,
      },
    ],
  ])('reports %s', async (_answer, status, body, error) => {
    agent
      .get(origin)
      .intercept({ path: `/v1.0/${PROJECT}/asset/preheating`, method: 'POST' })
      .reply(status, body);
    await expect(
      mockClient().createPrefetch({ assetId: ASSET }),
    ).rejects.toMatchObject(error);
  });
});
