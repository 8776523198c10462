import { createServer } from 'node:net';
import { Agent } from 'undici';
import type { VodSimulator } from '@mediaops/vod-simulator';
import {
  AK,
  ASSET,
  failure,
  instantClock,
  TEMP,
  useSimulatedVod,
} from './__testUtils__/simulatedVod';

// How the client reports what went wrong, against the VOD simulator over real HTTP: VOD's and
// API Gateway's refusals, timeouts and broken connections; which calls it repeats and which not.

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
  const vodSim = useSimulatedVod();
  const { client, creates, queries, debug } = vodSim;
  beforeAll(() => {
    sim = vodSim.sim;
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
      // The resolver's failure is given, not asked of this machine's DNS.
      const unresolvable = new Agent({
        connect: {
          lookup: (hostname, _options, callback) =>
            callback(
              Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
                code: 'ENOTFOUND',
              }),
              '',
              4,
            ),
        },
      });
      try {
        const error = await failure(
          client({
            endpoint: 'http://vod.cn-north-4.example.com',
            dispatcher: unresolvable,
            retry: { attempts: 1 },
          }).createPrefetch({ assetId: ASSET }),
        );
        expect(error).toMatchObject({
          kind: 'network',
          mayHaveReachedVod: false,
        });
        expect(error.message).toContain('(ENOTFOUND)');
      } finally {
        await unresolvable.close();
      }
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
});
