import { auth, DOC_ASSET, PROJECT, useHarness } from './__testUtils__/harness';
import { SEED_ASSET_BODY } from './__testUtils__/seedExamples';

// The plugin's routes as a portal reaches them: the open ones, and auth and permissions on all.
// By area: plugin.create, plugin.read, plugin.seedContract (and plugin.authz, plugin.seed, ...).

jest.setTimeout(60_000);

describe('vod backend routes', () => {
  const h = useHarness();

  it('answers GET /health without any credentials', async () => {
    const res = await h.http().get('/api/vod/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('serves its OpenAPI document', async () => {
    const res = await h.http().get('/api/vod/openapi.json').set(auth.allowed);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toContain('/api/vod/prefetches');
  });

  describe('auth and permissions on every route', () => {
    let existingId: string;
    let taskId: string;
    beforeAll(async () => {
      const res = await h.createPrefetch(auth.allowed, {
        entityRef: 'resource:default/trailer',
      });
      existingId = res.body.id;
      taskId = (await h.waitFor(existingId, s => s !== 'pending')).tasks[0]
        .taskId;
    });

    const routes = () => [
      {
        name: 'POST /prefetches',
        send: (r: any) =>
          r.post('/api/vod/prefetches').send({ assetId: DOC_ASSET }),
        ok: 202,
      },
      {
        name: 'GET /prefetches',
        send: (r: any) => r.get('/api/vod/prefetches'),
        ok: 200,
      },
      {
        name: 'GET /prefetches/:id',
        send: (r: any) => r.get(`/api/vod/prefetches/${existingId}`),
        ok: 200,
      },
      {
        name: 'GET /quota',
        send: (r: any) => r.get('/api/vod/quota'),
        ok: 200,
      },
      {
        name: 'GET /accounts',
        send: (r: any) => r.get('/api/vod/accounts'),
        ok: 200,
      },
      {
        name: 'POST seed',
        send: (r: any) =>
          r
            .post(`/api/vod/v1.0/${PROJECT}/asset/preheating`)
            .set('Content-Type', 'application/json')
            .send(SEED_ASSET_BODY),
        ok: 202,
      },
      {
        name: 'GET seed',
        send: (r: any) =>
          r.get(`/api/vod/v1.0/${PROJECT}/asset/preheating?task_id=${taskId}`),
        ok: 200,
      },
    ];

    it.each([
      ['no token', auth.none, 401],
      ['an allowed user', auth.allowed, 'ok'],
      // A list shows what its reader may see: for a denied user, nothing but their own.
      ['a denied user', auth.denied, 403, { 'GET /prefetches': 200 }],
      ['a service', auth.service, 'ok'],
    ] as const)(
      'answers %s as expected on every route',
      async (
        _who,
        headers,
        expected,
        exceptions: Record<string, number> = {},
      ) => {
        const table: Array<[string, number]> = [];
        for (const route of routes()) {
          const res = await route.send(h.http()).set(headers);
          table.push([route.name, res.status]);
        }
        expect(table).toEqual(
          routes().map(r => [
            r.name,
            exceptions[r.name] ?? (expected === 'ok' ? r.ok : expected),
          ]),
        );
      },
    );

    it('answers a denial on the seed route in the seed shape', async () => {
      const res = await h
        .http()
        .post(`/api/vod/v1.0/${PROJECT}/asset/preheating`)
        .set(auth.denied)
        .set('Content-Type', 'application/json')
        .send(SEED_ASSET_BODY);
      expect(res.body).toEqual({
        error_code: 'PORTAL.0403',
        error_msg: expect.stringContaining('vod.prefetch.create'),
      });
    });
  });
});
