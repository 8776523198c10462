import { mockCredentials } from '@backstage/backend-test-utils';
import {
  auth,
  DOC_ASSET,
  LOOSE_ASSET,
  permissionChecks,
  TRAILER_ASSET,
  users,
  useHarness,
} from './__testUtils__/harness';

// POST /prefetches through the real backend: binding, refusals, splitting, idempotency, VOD's own refusal.

jest.setTimeout(60_000);

describe('vod backend routes', () => {
  const h = useHarness();

  describe('POST /prefetches', () => {
    it('prefetches an entity by its annotation and follows it to the end', async () => {
      const res = await h.createPrefetch(auth.allowed, {
        entityRef: 'resource:default/trailer',
      });
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
      const ok = await h.createPrefetch(auth.trailerOwner, {
        assetId: TRAILER_ASSET,
      });
      expect(ok.status).toBe(202);
      expect(ok.body.entityRef).toBe('resource:default/trailer');
      const other = await h.createPrefetch(auth.trailerOwner, {
        assetId: DOC_ASSET,
      });
      expect(other.status).toBe(403);
      expect(other.body.error.message).toContain(
        'resource:default/documentary',
      );
      const loose = await h.createPrefetch(auth.trailerOwner, {
        assetId: LOOSE_ASSET,
      });
      expect(loose.status).toBe(403);
      expect(loose.body.error.message).toContain('vod.prefetch.adhoc.create');
    });

    it('answers 404 for an entity the caller may not see, as the catalog would', async () => {
      const hidden = await h.createPrefetch(auth.blind, {
        entityRef: 'resource:default/trailer',
      });
      expect(hidden.status).toBe(404);
      expect(hidden.body.error.message).toBe(
        'entityRef: there is no entity resource:default/trailer (or you may not see it)',
      );
      // Its asset id still binds to it, and the refusal does not name it.
      const byAsset = await h.createPrefetch(auth.blind, {
        assetId: TRAILER_ASSET,
      });
      expect(byAsset.status).toBe(403);
      expect(byAsset.body.error.message).toBe(
        `You may not prefetch asset ${TRAILER_ASSET}: it belongs to a catalog entity you may not prefetch (vod.prefetch.create)`,
      );
    });

    it('asks the permission backend once per user and entity within the cache TTL', async () => {
      const probe = 'user:default/cache-probe'; // asked nothing before this test
      for (let i = 0; i < 3; i++) {
        const res = await h.createPrefetch(
          { Authorization: mockCredentials.user.header(probe) },
          { entityRef: 'resource:default/documentary' },
        );
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
      const res = await h.createPrefetch(auth.allowed, { urls });
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
        const res = await h.createPrefetch(auth.allowed, body);
        expect(res.status).toBe(400);
        expect(res.body.error.name).toBe('InputError');
        expect(res.body.error.message).toContain(message);
      },
    );

    it('answers 404 for an entity that does not exist', async () => {
      const res = await h.createPrefetch(auth.allowed, {
        entityRef: 'resource:default/nope',
      });
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
      const res = await h.createPrefetch(auth.allowed, {
        assetId: 'ffffffffffffffffffffffffffffffff',
      });
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
});
