import { mockCredentials } from '@backstage/backend-test-utils';
import {
  auth,
  DOC_ASSET,
  Harness,
  LOOSE_ASSET,
  permissionChecks,
  PROJECT,
  startHarness,
  TRAILER_ASSET,
  users,
} from './__testUtils__/harness';

jest.setTimeout(60_000);

const SEED_ASSET_BODY = `{
  "asset_id": "f488337c31c8e4622f1590735b134c65"
}`;
const SEED_URLS_BODY =
  '{  "urls": [    "    https://example.com/asset/9db42f5e08c15edecd99a98da241994a/313bfd52a75f95ff48e8bf02eca2ab20.flv",    "    https://example.com/asset/9e455adb02295aa123809e8dc7ca51c1/68b1241af3bf58bcde9914626e07f5af.mp4",    "    https://example.com/asset/9e455adb02295aa123809e8dc7ca51c1/play_video/68b1241af3bf58bcde9914626e07f5af_H.264_480X270_HEAACV1_300.mp4"  ]}';

describe('vod backend routes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

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
      const res = await h
        .http()
        .post('/api/vod/prefetches')
        .set(auth.allowed)
        .send({ entityRef: 'resource:default/trailer' });
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

  describe('POST /prefetches', () => {
    it('prefetches an entity by its annotation and follows it to the end', async () => {
      const res = await h
        .http()
        .post('/api/vod/prefetches')
        .set(auth.allowed)
        .send({ entityRef: 'resource:default/trailer' });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({
        status: 'pending',
        account: 'main',
        entityRef: 'resource:default/trailer',
        assetId: TRAILER_ASSET,
        createdBy: users.allowed,
        possibleDuplicate: false,
      });
      const done = await h.waitFor(res.body.id, s => s === 'succeeded');
      expect(done.status).toBe('succeeded');
      expect(done.tasks[0].taskId).toMatch(/^[0-9a-f]{32}$/);
      expect(done.tasks[0].results).toHaveLength(3);
      expect(done.progress).toEqual({ total: 3, succeeded: 3, failed: 0 });
      const listed = await h
        .http()
        .get('/api/vod/prefetches')
        .query({ entityRef: 'resource:default/trailer', limit: '1' })
        .set(auth.allowed);
      expect(listed.body.items[0]).toMatchObject({
        id: res.body.id,
        progress: { total: 3, succeeded: 3, failed: 0 },
      });
    });

    it('judges a raw asset id by the entity that names it', async () => {
      const ok = await h
        .http()
        .post('/api/vod/prefetches')
        .set(auth.trailerOwner)
        .send({ assetId: TRAILER_ASSET });
      expect(ok.status).toBe(202);
      expect(ok.body.entityRef).toBe('resource:default/trailer');
      const other = await h
        .http()
        .post('/api/vod/prefetches')
        .set(auth.trailerOwner)
        .send({ assetId: DOC_ASSET });
      expect(other.status).toBe(403);
      expect(other.body.error.message).toContain(
        'resource:default/documentary',
      );
      const loose = await h
        .http()
        .post('/api/vod/prefetches')
        .set(auth.trailerOwner)
        .send({ assetId: LOOSE_ASSET });
      expect(loose.status).toBe(403);
      expect(loose.body.error.message).toContain('vod.prefetch.adhoc.create');
    });

    it('answers 404 for an entity the caller may not see, as the catalog would', async () => {
      const hidden = await h
        .http()
        .post('/api/vod/prefetches')
        .set(auth.blind)
        .send({ entityRef: 'resource:default/trailer' });
      expect(hidden.status).toBe(404);
      expect(hidden.body.error.message).toBe(
        'entityRef: there is no entity resource:default/trailer (or you may not see it)',
      );
      // Its asset id still binds to it, and the refusal does not name it.
      const byAsset = await h
        .http()
        .post('/api/vod/prefetches')
        .set(auth.blind)
        .send({ assetId: TRAILER_ASSET });
      expect(byAsset.status).toBe(403);
      expect(byAsset.body.error.message).toBe(
        `You may not prefetch asset ${TRAILER_ASSET}: it belongs to a catalog entity you may not prefetch (vod.prefetch.create)`,
      );
    });

    it('asks the permission backend once per user and entity within the cache TTL', async () => {
      const probe = 'user:default/cache-probe'; // asked nothing before this test
      for (let i = 0; i < 3; i++) {
        const res = await h
          .http()
          .post('/api/vod/prefetches')
          .set({ Authorization: mockCredentials.user.header(probe) })
          .send({ entityRef: 'resource:default/documentary' });
        expect(res.status).toBe(202);
      }
      expect(permissionChecks.filter(c => c.startsWith(probe))).toEqual([
        `${probe} catalog.entity.read`,
        `${probe} vod.prefetch.create`,
      ]);
    });

    it('splits 23 URLs into VOD calls of 10, 10 and 3', async () => {
      const urls = Array.from(
        { length: 23 },
        (_, i) => `https://cdn.example.com/a/${i}.mp4`,
      );
      const res = await h
        .http()
        .post('/api/vod/prefetches')
        .set(auth.allowed)
        .send({ urls });
      expect(res.status).toBe(202);
      const done = await h.waitFor(res.body.id, s => s === 'succeeded');
      expect(done.tasks.map((t: any) => t.urls.length)).toEqual([10, 10, 3]);
      expect(done.tasks.every((t: any) => t.taskId)).toBe(true);
    });

    it.each([
      ['an empty body', {}, 'one of entityRef, assetId or urls is required'],
      [
        'both assetId and urls',
        { assetId: TRAILER_ASSET, urls: ['https://cdn.example.com/a.mp4'] },
        'urls: give either assetId or urls, not both',
      ],
      [
        'a malformed asset id',
        { assetId: 'xyz' },
        'assetId: must be a media asset id of 32 hexadecimal characters',
      ],
      [
        'a URL that is not http(s)',
        { urls: ['ftp://cdn.example.com/a.mp4'] },
        'urls[0]: must be an http(s) URL (http:// or https://)',
      ],
      [
        'a URL outside the allow-list',
        { urls: ['https://evil.example.net/a.mp4'] },
        'urls[0]: https://evil.example.net/a.mp4 is outside',
      ],
      [
        'more URLs than configured',
        {
          urls: Array.from(
            { length: 101 },
            (_, i) => `https://cdn.example.com/${i}`,
          ),
        },
        'urls: at most 100 URLs per prefetch, got 101',
      ],
      [
        'an unknown account',
        { assetId: LOOSE_ASSET, account: 'eu' },
        'account: there is no VOD account named "eu"',
      ],
      [
        'an entity without annotation',
        { entityRef: 'resource:default/draft' },
        'entityRef: resource:default/draft has no valid vod.huaweicloud.com/asset-id annotation',
      ],
      [
        'an unknown field',
        { assetId: TRAILER_ASSET, asset_id: TRAILER_ASSET },
        'asset_id',
      ],
    ])(
      'refuses %s with a 400 naming the field',
      async (_name, body, message) => {
        const res = await h
          .http()
          .post('/api/vod/prefetches')
          .set(auth.allowed)
          .send(body);
        expect(res.status).toBe(400);
        expect(res.body.error.name).toBe('InputError');
        expect(res.body.error.message).toContain(message);
      },
    );

    it('answers 404 for an entity that does not exist', async () => {
      const res = await h
        .http()
        .post('/api/vod/prefetches')
        .set(auth.allowed)
        .send({ entityRef: 'resource:default/nope' });
      expect(res.status).toBe(404);
    });

    it('replays an Idempotency-Key with the same body and refuses it with another', async () => {
      const send = (body: object) =>
        h
          .http()
          .post('/api/vod/prefetches')
          .set(auth.allowed)
          .set('Idempotency-Key', 'launch-42')
          .send(body);
      const first = await send({ assetId: DOC_ASSET });
      const again = await send({ assetId: DOC_ASSET });
      const other = await send({ assetId: TRAILER_ASSET });
      expect(first.status).toBe(202);
      expect(again.status).toBe(202);
      expect(again.body.id).toBe(first.body.id);
      expect(other.status).toBe(409);
      expect(other.body.error.message).toContain('Idempotency-Key');
    });

    it("records a VOD refusal as failed, with VOD's code, and gives the quota back", async () => {
      const before = (await h.http().get('/api/vod/quota').set(auth.allowed))
        .body.used;
      const res = await h
        .http()
        .post('/api/vod/prefetches')
        .set(auth.allowed)
        .send({ assetId: 'ffffffffffffffffffffffffffffffff' });
      expect(res.status).toBe(202);
      const done = await h.waitFor(res.body.id, s => s === 'failed');
      expect(done.error).toEqual({
        code: 'VOD.10062',
        message: expect.stringContaining('does not exist'),
      });
      const after = (await h.http().get('/api/vod/quota').set(auth.allowed))
        .body.used;
      expect(after).toBe(before);
    });
  });

  describe('reading', () => {
    it('lists newest first, filters, and pages with a cursor', async () => {
      for (let i = 0; i < 3; i++) {
        await h
          .http()
          .post('/api/vod/prefetches')
          .set(auth.allowed)
          .send({ entityRef: 'resource:default/documentary' });
      }
      const page1 = await h
        .http()
        .get(
          '/api/vod/prefetches?entityRef=resource:default/documentary&limit=2',
        )
        .set(auth.allowed);
      expect(page1.status).toBe(200);
      expect(page1.body.items).toHaveLength(2);
      const page2 = await h
        .http()
        .get('/api/vod/prefetches')
        .query({
          entityRef: 'resource:default/documentary',
          limit: '2',
          cursor: page1.body.nextCursor,
        })
        .set(auth.allowed);
      const all = [...page1.body.items, ...page2.body.items];
      expect(
        all.every((p: any) => p.entityRef === 'resource:default/documentary'),
      ).toBe(true);
      const times = all.map((p: any) => p.createdAt);
      expect(times).toEqual([...times].sort().reverse());
      const mine = await h
        .http()
        .get('/api/vod/prefetches')
        .query({ createdBy: users.trailerOwner })
        .set(auth.allowed);
      expect(
        mine.body.items.every((p: any) => p.createdBy === users.trailerOwner),
      ).toBe(true);
    });

    const cursor = (value: unknown) =>
      Buffer.from(JSON.stringify(value)).toString('base64url');
    const ID = '7d1f3c2a-0b1e-4c5d-9e8f-0a1b2c3d4e5f';
    it.each([
      ['an unknown status', '/api/vod/prefetches?status=done', 'status'],
      [
        'an unknown query parameter',
        '/api/vod/prefetches?colour=red',
        'colour',
      ],
      ['a page too large', '/api/vod/prefetches?limit=1000', 'limit'],
      ['a forged cursor', '/api/vod/prefetches?cursor=abc', 'cursor:'],
      [
        'a cursor with a fractional time',
        `/api/vod/prefetches?cursor=${cursor([1.5, ID])}`,
        'cursor:',
      ],
      [
        'a cursor with a time beyond any bigint',
        `/api/vod/prefetches?cursor=${cursor([1e21, ID])}`,
        'cursor:',
      ],
      [
        'a cursor whose id is no id',
        `/api/vod/prefetches?cursor=${cursor([1, "x' or 1=1"])}`,
        'cursor:',
      ],
      [
        'an entityRef filter that is no entity reference',
        '/api/vod/prefetches?entityRef=nope',
        'entityRef: must be an entity reference',
      ],
      [
        'two entityRef filters',
        '/api/vod/prefetches?entityRef=a:b/c&entityRef=d:e/f',
        'entityRef',
      ],
      [
        'an assetId filter that is no asset id',
        '/api/vod/prefetches?assetId=xyz',
        'assetId: must be a media asset id',
      ],
      [
        'a createdBy filter too long',
        `/api/vod/prefetches?createdBy=${'u'.repeat(300)}`,
        'createdBy: must be at most 255 characters',
      ],
      ['an unknown account', '/api/vod/quota?account=eu', 'account:'],
    ])('refuses %s with 400 naming it', async (_name, path, named) => {
      const res = await h.http().get(path).set(auth.allowed);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain(named);
    });

    it('answers 404 for an unknown prefetch, and 400 for an id that is none', async () => {
      const unknown = await h
        .http()
        .get('/api/vod/prefetches/7d1f3c2a-0b1e-4c5d-9e8f-0a1b2c3d4e5f')
        .set(auth.allowed);
      expect(unknown.status).toBe(404);
      const malformed = await h
        .http()
        .get('/api/vod/prefetches/nope')
        .set(auth.allowed);
      expect(malformed.status).toBe(400);
      expect(malformed.body.error.message).toBe(
        'id: must be a prefetch id (a UUID)',
      );
    });

    it('lists accounts without any credential', async () => {
      const res = await h.http().get('/api/vod/accounts').set(auth.allowed);
      expect(res.body).toEqual([
        { name: 'main', projectId: PROJECT, isDefault: true },
      ]);
      expect(JSON.stringify(res.body)).not.toContain('MFyfvK');
    });
  });

  describe('the seed contract, verbatim', () => {
    const seed = (body: string, headers: object = auth.allowed) =>
      h
        .http()
        .post(`/api/vod/v1.0/${PROJECT}/asset/preheating`)
        .set(headers as any)
        .set('Content-Type', 'application/json')
        .send(body);

    it("takes the seed's asset example and answers VOD's task id", async () => {
      const res = await seed(SEED_ASSET_BODY);
      expect(res.status).toBe(202);
      expect(Object.keys(res.body)).toEqual(['task_id']);
      const vodCall = h.sim.calls().find(c => c.taskId === res.body.task_id)!;
      expect(vodCall.body).toEqual({ asset_id: TRAILER_ASSET });
    });

    it("takes the seed's URL example, trimmed, and the query answers VOD's result", async () => {
      const res = await seed(SEED_URLS_BODY);
      expect(res.status).toBe(202);
      const query = await h
        .http()
        .get(
          `/api/vod/v1.0/${PROJECT}/asset/preheating?task_id=${res.body.task_id}`,
        )
        .set(auth.allowed);
      expect(query.status).toBe(200);
      expect(query.body.preheating_results.map((r: any) => r.url)[0]).toBe(
        'https://example.com/asset/9db42f5e08c15edecd99a98da241994a/313bfd52a75f95ff48e8bf02eca2ab20.flv',
      );
    });

    it.each([
      [
        'an 11th URL',
        JSON.stringify({
          urls: Array.from(
            { length: 11 },
            (_, i) => `https://example.com/asset/${i}.mp4`,
          ),
        }),
        '{urls}',
      ],
      [
        'both fields',
        JSON.stringify({
          asset_id: TRAILER_ASSET,
          urls: ['https://example.com/asset/a.mp4'],
        }),
        '{asset_id}',
      ],
      ['a body that is not JSON', '{"asset_id": ', '{body}'],
      [
        'a URL outside the allow-list',
        JSON.stringify({ urls: ['https://evil.example.net/a.mp4'] }),
        '{urls}',
      ],
    ])(
      'answers %s with 400 VOD.10053 naming the field',
      async (_name, body, field) => {
        const res = await seed(body);
        expect(res.status).toBe(400);
        expect(res.body.error_code).toBe('VOD.10053');
        expect(res.body.error_msg).toContain(`illegal field: ${field}`);
        expect(Object.keys(res.body).sort()).toEqual([
          'error_code',
          'error_msg',
        ]);
      },
    );

    it("passes VOD's own refusal through", async () => {
      const res = await seed(
        JSON.stringify({ asset_id: 'ffffffffffffffffffffffffffffffff' }),
      );
      expect(res.status).toBe(400);
      expect(res.body.error_code).toBe('VOD.10062');
    });

    it("answers VOD's task id even when VOD's first answer was lost, the re-send marked", async () => {
      h.sim.queueFault({ kind: 'reset-after', route: 'create' });
      const res = await seed(
        JSON.stringify({ asset_id: DOC_ASSET }),
        auth.allowed,
      );
      expect(res.status).toBe(202);
      const creates = h.sim.calls().filter(c => c.route === 'create');
      expect(creates.at(-1)!.taskId).toBe(res.body.task_id);
      const { body } = await h
        .http()
        .get('/api/vod/prefetches')
        .query({ assetId: DOC_ASSET, limit: '1' })
        .set(auth.allowed);
      expect(body.items[0]).toMatchObject({ possibleDuplicate: true });
    });

    it('answers an unknown project with 404 in the seed shape', async () => {
      const res = await h
        .http()
        .post('/api/vod/v1.0/ffffffffffffffffffffffffffffffff/asset/preheating')
        .set(auth.allowed)
        .set('Content-Type', 'application/json')
        .send(SEED_ASSET_BODY);
      expect(res.status).toBe(404);
      expect(res.body.error_code).toBe('PORTAL.0404');
    });

    it('answers an unknown task with 404 in the seed shape', async () => {
      const res = await h
        .http()
        .get(`/api/vod/v1.0/${PROJECT}/asset/preheating?task_id=nope`)
        .set(auth.allowed);
      expect(res.status).toBe(404);
      expect(res.body.error_code).toBe('PORTAL.0404');
    });
  });
});
