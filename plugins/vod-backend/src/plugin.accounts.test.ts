// Two VOD accounts in one backend, each at its own simulator (its own endpoint, project and key):
// a prefetch goes to the account its entity's `vod.huaweicloud.com/account` annotation names, the
// one the request names, or the default one; its create and its queries land at that account's
// endpoint, in its project, signed with its key; and each account's quota is counted apart.
import {
  startVodSimulator,
  VodSimulator,
  type RecordedCall,
} from '@mediaops/vod-simulator';
import type { Entity } from '@backstage/catalog-model';
import {
  AK,
  auth,
  DOC_ASSET,
  Harness,
  LOOSE_ASSET,
  PROJECT,
  SK,
  startHarness,
  TRAILER_ASSET,
} from './__testUtils__/harness';

jest.setTimeout(60_000);

const EU = {
  projectId: 'fedcba9876543210fedcba9876543210',
  accessKeyId: 'AKEUROPE000000000001',
  secretAccessKey: 'eu-secret-access-key',
};
/** An asset of the EU account, and the entity that stands for it. */
const EU_ASSET = 'e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0';
const EU_SHOW = 'resource:default/eu-show';
const euShow: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name: 'eu-show',
    namespace: 'default',
    annotations: {
      'vod.huaweicloud.com/asset-id': EU_ASSET,
      'vod.huaweicloud.com/account': 'eu',
    },
  },
  spec: { type: 'media-asset', owner: 'group:default/media' },
};

const assets = {
  [TRAILER_ASSET]: {},
  [DOC_ASSET]: {},
  [LOOSE_ASSET]: {},
  [EU_ASSET]: {},
};
const simulator = (account: {
  projectId: string;
  accessKeyId: string;
  secretAccessKey: string;
}) =>
  startVodSimulator({
    accounts: [account],
    assets,
    processingMs: 200,
    createsPerMinute: 10_000,
    queriesPerMinute: 10_000,
  });
const rateLimit = { createsPerMinute: 10_000, queriesPerMinute: 10_000 };

describe('two VOD accounts in one backend', () => {
  let main: VodSimulator;
  let eu: VodSimulator;
  let h: Harness;
  beforeAll(async () => {
    main = await simulator({
      projectId: PROJECT,
      accessKeyId: AK,
      secretAccessKey: SK,
    });
    eu = await simulator(EU);
    h = await startHarness({
      vod: {
        accounts: [
          {
            name: 'main',
            endpoint: main.url,
            projectId: PROJECT,
            accessKeyId: AK,
            secretAccessKey: SK,
            allowedUrlPrefixes: ['https://cdn.example.com/'],
            rateLimit,
          },
          {
            name: 'eu',
            endpoint: eu.url,
            ...EU,
            dailyQuota: 6,
            allowedUrlPrefixes: ['https://eu.example.com/'],
            rateLimit,
          },
        ],
      },
      extraEntities: [euShow],
    });
  });
  afterAll(async () => {
    await h?.stop();
    await Promise.all([main?.close(), eu?.close()]);
  });
  beforeEach(() => {
    main.reset();
    eu.reset();
  });

  /** The calls `sim` has had on `route`, as where they went and with which key. */
  const calls = (sim: VodSimulator, route: RecordedCall['route']) =>
    sim
      .calls()
      .filter(c => c.route === route)
      .map(c => ({
        projectId: c.projectId,
        accessKeyId: c.accessKeyId,
        status: c.status,
        body: c.body,
      }));
  /** Creates as `auth.allowed`, expecting a 202, and waits for the prefetch to succeed. */
  const prefetch = async (body: object) => {
    const res = await h.createPrefetch(auth.allowed, body);
    expect(res.status).toBe(202);
    const done = await h.waitFor(res.body.id, s => s === 'succeeded');
    expect(done.status).toBe('succeeded');
    return done;
  };
  const quota = async (query: object) =>
    (await h.http().get('/api/vod/quota').query(query).set(auth.allowed)).body;

  it("sends an entity's prefetch to the account its annotation names: that endpoint, project and key", async () => {
    expect(await prefetch({ entityRef: EU_SHOW })).toMatchObject({
      account: 'eu',
      assetId: EU_ASSET,
    });
    const onEu = { projectId: EU.projectId, accessKeyId: EU.accessKeyId };
    expect(calls(eu, 'create')).toEqual([
      { ...onEu, status: 202, body: { asset_id: EU_ASSET } },
    ]);
    expect(calls(eu, 'query').length).toBeGreaterThan(0);
    expect(calls(eu, 'query')).toEqual(
      calls(eu, 'query').map(() => expect.objectContaining(onEu)),
    );
    expect(main.calls()).toEqual([]);

    // An entity without the annotation goes to the default account.
    expect(
      await prefetch({ entityRef: 'resource:default/trailer' }),
    ).toMatchObject({ account: 'main' });
    expect(calls(main, 'create')).toEqual([
      {
        projectId: PROJECT,
        accessKeyId: AK,
        status: 202,
        body: { asset_id: TRAILER_ASSET },
      },
    ]);
    expect(calls(eu, 'create')).toHaveLength(1);
  });

  it("refuses another account than the entity's annotation names", async () => {
    const res = await h.createPrefetch(auth.allowed, {
      entityRef: EU_SHOW,
      account: 'main',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(
      `account: ${EU_SHOW} is prefetched with account eu; leave account out or name eu`,
    );
    expect([...main.calls(), ...eu.calls()]).toEqual([]);
  });

  it('sends an ad-hoc prefetch to the account the request names, or to the default one', async () => {
    await prefetch({ assetId: LOOSE_ASSET, account: 'eu' });
    await prefetch({ urls: ['https://eu.example.com/a.mp4'], account: 'eu' });
    await prefetch({ assetId: LOOSE_ASSET });
    expect(calls(eu, 'create')).toEqual([
      expect.objectContaining({
        accessKeyId: EU.accessKeyId,
        body: { asset_id: LOOSE_ASSET },
      }),
      expect.objectContaining({
        accessKeyId: EU.accessKeyId,
        body: { urls: ['https://eu.example.com/a.mp4'] },
      }),
    ]);
    expect(calls(main, 'create')).toEqual([
      expect.objectContaining({
        accessKeyId: AK,
        body: { asset_id: LOOSE_ASSET },
      }),
    ]);
    // Each account's allow-list is its own: main has none for eu.example.com.
    const refused = await h.createPrefetch(auth.allowed, {
      urls: ['https://eu.example.com/a.mp4'],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe(
      'urls[0]: https://eu.example.com/a.mp4 is outside the URLs account main may prefetch (https://cdn.example.com/)',
    );
  });

  it('sends a seed call to the account of the project in its path', async () => {
    const res = await h
      .http()
      .post(`/api/vod/v1.0/${EU.projectId}/asset/preheating`)
      .set(auth.allowed)
      .send({ asset_id: LOOSE_ASSET });
    expect(res.status).toBe(202);
    expect(calls(eu, 'create')).toEqual([
      expect.objectContaining({
        projectId: EU.projectId,
        accessKeyId: EU.accessKeyId,
      }),
    ]);
    expect(res.body).toEqual({ task_id: eu.calls()[0].taskId });
    expect(calls(main, 'create')).toEqual([]);
  });

  // Last: it uses up the EU account's quota for the day.
  it("counts quota per account: one account's day used up leaves the other's", async () => {
    const before = {
      main: (await quota({ account: 'main' })).used,
      eu: (await quota({ account: 'eu' })).used,
    };
    expect(await quota({ entityRef: EU_SHOW })).toMatchObject({
      account: 'eu',
      limit: 6,
      used: before.eu,
    });
    for (let i = before.eu; i < 6; i++) {
      expect(
        (await h.createPrefetch(auth.allowed, { entityRef: EU_SHOW })).status,
      ).toBe(202);
    }
    const over = await h.createPrefetch(auth.allowed, { entityRef: EU_SHOW });
    expect(over.status).toBe(429);
    expect(over.body.error.message).toContain('6 of 6 used');
    expect(await quota({ account: 'eu' })).toMatchObject({
      used: 6,
      remaining: 0,
    });
    // The default account's day is its own.
    expect(await quota({ account: 'main' })).toMatchObject({
      account: 'main',
      used: before.main,
    });
    expect(
      (
        await h.createPrefetch(auth.allowed, {
          entityRef: 'resource:default/trailer',
        })
      ).status,
    ).toBe(202);
    expect((await quota({})).used).toBe(before.main + 1);
  });
});
