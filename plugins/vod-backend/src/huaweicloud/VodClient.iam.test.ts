import type { VodSimulator } from '@mediaops/vod-simulator';
import { IamTokenProvider } from './IamTokenProvider';
import {
  ASSET,
  failure,
  PROJECT,
  useSimulatedVod,
} from './__testUtils__/simulatedVod';

// The client with IAM user tokens (IamTokenProvider), against the VOD simulator's IAM and VOD.

describe('VodClient against the VOD simulator', () => {
  let sim: VodSimulator;
  const vodSim = useSimulatedVod();
  const { client, creates } = vodSim;
  beforeAll(() => {
    sim = vodSim.sim;
  });

  describe('IAM token auth', () => {
    /** The simulator's IAM user, with its password unless told another. */
    const iamCredentials = (password = 'pw') => ({
      endpoint: sim.url,
      domainName: 'mediaops',
      userName: 'svc',
      password,
      projectId: PROJECT,
    });
    function tokens(overrides: { password?: string; now?: () => number } = {}) {
      return IamTokenProvider.create({
        credentials: iamCredentials(overrides.password),
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
      provider.updateCredentials(iamCredentials());
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
      provider.updateCredentials(iamCredentials());
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
