// Credentials rotated through the running plugin's config (`config.subscribe`, as a reloading
// config source tells it), with no restart: the next VOD call carries the new key and security
// token, and a new config the plugin refuses leaves the keys in use working. The simulator knows
// two keys of one project, each temporary (its security token required and checked), and its
// call log says which key it accepted.
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { startVodSimulator, VodSimulator } from '@mediaops/vod-simulator';
import request from 'supertest';
import vodPlugin from '.';
import { ASSET, PROJECT } from './__testUtils__/vodAccount';
import { logOf } from './__testUtils__/logOf';

jest.setTimeout(30_000);

const OLD = {
  accessKeyId: 'AKOLDROTATION0000001',
  secretAccessKey: 'old-secret-access-key',
  securityToken: 'old-security-token',
};
const NEW = {
  accessKeyId: 'AKNEWROTATION0000002',
  secretAccessKey: 'new-secret-access-key',
  securityToken: 'new-security-token',
};

/** `vod.*` with one account, `main`, at `endpoint`, with `credentials` and `changes`. */
function vodConfig(
  endpoint: string,
  credentials: object,
  changes: object = {},
): { vod: object } {
  return {
    vod: {
      accounts: [
        {
          name: 'main',
          endpoint,
          projectId: PROJECT,
          ...credentials,
          rateLimit: { createsPerMinute: 1000, queriesPerMinute: 1000 },
          ...changes,
        },
      ],
      polling: { frequency: '1h', initialDelay: '1h' },
      timeouts: { headers: '2s', body: '2s' },
    },
  };
}

interface Running {
  sim: VodSimulator;
  http: () => ReturnType<typeof request>;
  /** Replaces the whole config, as a reload does, telling the plugin's subscription. */
  reload(data: { vod: object }): void;
  /** Asks for a prefetch of ASSET and waits until VOD got one more create call; returns it. */
  prefetch(): Promise<ReturnType<VodSimulator['calls']>[number]>;
  stop(): Promise<void>;
}

async function start(credentials: object): Promise<Running> {
  const sim = await startVodSimulator({
    accounts: [
      { projectId: PROJECT, ...OLD },
      { projectId: PROJECT, ...NEW },
    ],
    assets: { [ASSET]: {} },
    createsPerMinute: 1000,
    queriesPerMinute: 1000,
  });
  const root = mockServices.rootConfig({
    data: vodConfig(sim.url, credentials),
  });
  const backend = await startTestBackend({
    features: [
      vodPlugin,
      createServiceFactory({
        service: coreServices.rootConfig,
        deps: {},
        factory: () => root,
      }),
      mockServices.httpAuth.factory({
        defaultCredentials: mockCredentials.user('user:default/ops'),
      }),
      catalogServiceMock.factory({ entities: [] }),
      // Errors only: a refused config is logged as one.
      mockServices.rootLogger.factory({ level: 'error' }),
    ],
  });
  const http = () => request(backend.server);
  const creates = () => sim.calls().filter(c => c.route === 'create');
  return {
    sim,
    http,
    reload: data => root.update({ data }),
    async prefetch() {
      const before = creates().length;
      const res = await http()
        .post('/api/vod/prefetches')
        .send({ assetId: ASSET });
      expect(res.status).toBe(202);
      const deadline = Date.now() + 10_000;
      while (creates().length === before && Date.now() < deadline) {
        await new Promise(resolve => setTimeout(resolve, 20));
      }
      return creates()[before];
    },
    async stop() {
      await backend.stop();
      await sim.close();
    },
  };
}

describe('rotating credentials in the running plugin', () => {
  let running: Running | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it('signs the next VOD call with the new AK/SK and security token once the config changes', async () => {
    const r = (running = await start(OLD));
    expect(await r.prefetch()).toMatchObject({
      status: 202,
      accessKeyId: OLD.accessKeyId,
    });
    r.reload(vodConfig(r.sim.url, NEW));
    // The simulator checked the signature with the new SK and the X-Security-Token it received.
    expect(await r.prefetch()).toMatchObject({
      status: 202,
      accessKeyId: NEW.accessKeyId,
    });
  });

  it.each([
    [
      'cannot read (IAM and AK/SK both on the account)',
      {
        iam: {
          endpoint: 'https://iam.example.com',
          domainName: 'd',
          userName: 'u',
          password: 'p',
        },
      },
      "Invalid config at 'vod.accounts[0]': give either",
    ],
    [
      'changes more than credentials (new rate limits)',
      { rateLimit: { createsPerMinute: 5, queriesPerMinute: 5 } },
      'account main has new rate limits',
    ],
  ])(
    'keeps the keys in use when a new config it %s is refused',
    async (_what, alsoChanged, reason) => {
      const r = (running = await start(OLD));
      const log = await logOf(() =>
        r.reload(vodConfig(r.sim.url, NEW, alsoChanged)),
      );
      expect(log).toContain('new config rejected, keeping the one in use');
      expect(log).toContain(reason);
      expect(await r.prefetch()).toMatchObject({
        status: 202,
        accessKeyId: OLD.accessKeyId,
      });
    },
  );

  it('sends the configured securityToken as X-Security-Token: a stale one is refused, the rotated one taken', async () => {
    const r = (running = await start({ ...NEW, securityToken: 'expired' }));
    const accounts = async () =>
      (await r.http().get('/api/vod/accounts')).body[0];
    let refused: Awaited<ReturnType<Running['prefetch']>> | undefined;
    const log = await logOf(async () => {
      refused = await r.prefetch();
      // The refusal is recorded on the account (and logged) once its answer is read.
      for (let i = 0; i < 100 && !(await accounts()).problem; i++) {
        await new Promise(resolve => setTimeout(resolve, 50));
      }
    });
    expect(refused).toMatchObject({ status: 401, errorCode: 'APIGW.0301' });
    expect(log).toContain(
      'VOD account main cannot be used: Incorrect IAM authentication information: the security token is invalid',
    );
    expect((await accounts()).problem).toMatchObject({
      code: 'VOD_CREDENTIALS_REFUSED',
      message:
        'Incorrect IAM authentication information: the security token is invalid',
    });

    r.reload(vodConfig(r.sim.url, NEW));
    // The queued prefetch goes first, then the new one: both with the rotated token.
    await r.prefetch();
    const creates = () => r.sim.calls().filter(c => c.route === 'create');
    for (let i = 0; i < 200 && creates().length < 3; i++) {
      await new Promise(resolve => setTimeout(resolve, 20));
    }
    expect(creates().map(c => [c.status, c.accessKeyId])).toEqual([
      [401, undefined],
      [202, NEW.accessKeyId],
      [202, NEW.accessKeyId],
    ]);
    expect((await accounts()).problem).toBeUndefined();
  });
});
