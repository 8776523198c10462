import { auth, PROJECT, users, useHarness } from './__testUtils__/harness';

// The reading routes: lists with filters and cursors, a prefetch by id, the accounts.

jest.setTimeout(60_000);

describe('vod backend routes', () => {
  const h = useHarness();

  describe('reading', () => {
    it('lists newest first, filters, and pages with a cursor', async () => {
      // Made here, so the test stands alone whatever the file's other tests created.
      const documentary: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await h.createPrefetch(auth.allowed, {
          entityRef: 'resource:default/documentary',
        });
        documentary.push(res.body.id);
      }
      const owned = await h.createPrefetch(auth.trailerOwner, {
        entityRef: 'resource:default/trailer',
      });
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
      expect(page2.status).toBe(200);
      const ids = (page: typeof page1) =>
        page.body.items.map((p: { id: string }) => p.id);
      // Page 2 goes on where page 1 ended: not empty, nothing of page 1 again, nothing missed.
      expect(ids(page2).length).toBeGreaterThan(0);
      expect(
        ids(page2).filter((id: string) => ids(page1).includes(id)),
      ).toEqual([]);
      const all = [...page1.body.items, ...page2.body.items];
      expect([...ids(page1), ...ids(page2)]).toEqual(
        expect.arrayContaining(documentary),
      );
      expect(all.map((p: any) => p.entityRef)).toEqual(
        all.map(() => 'resource:default/documentary'),
      );
      const times = all.map((p: any) => p.createdAt);
      expect(times).toEqual([...times].sort().reverse());
      const mine = await h
        .http()
        .get('/api/vod/prefetches')
        .query({ createdBy: users.trailerOwner })
        .set(auth.allowed);
      expect(ids(mine)).toContain(owned.body.id);
      expect(mine.body.items.map((p: any) => p.createdBy)).toEqual(
        mine.body.items.map(() => users.trailerOwner),
      );
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
});
