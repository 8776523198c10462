import {
  auth,
  DOC_ASSET,
  Harness,
  LOOSE_ASSET,
  mediaEntity,
  PROJECT,
  startHarness,
  TRAILER_ASSET,
  users,
} from './__testUtils__/harness';

jest.setTimeout(60_000);

const TRAILER = 'resource:default/trailer';
const DOC = 'resource:default/documentary';
const trailerUrl = (file: string) =>
  `https://example.com/asset/${TRAILER_ASSET}/${file}`;

describe('binding a create to its entity', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  it("refuses an assetId that is not the entity's, naming assetId", async () => {
    const res = await h.createPrefetch(auth.allowed, {
      entityRef: TRAILER,
      assetId: DOC_ASSET,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(
      `assetId: ${DOC_ASSET} is not the asset of ${TRAILER} (${TRAILER_ASSET}); leave assetId out to prefetch the entity's asset`,
    );
    const same = await h.createPrefetch(auth.allowed, {
      entityRef: TRAILER,
      assetId: TRAILER_ASSET.toUpperCase(),
    });
    expect(same.status).toBe(202);
    expect(same.body).toMatchObject({
      entityRef: TRAILER,
      assetId: TRAILER_ASSET,
    });
  });

  it("sends an entity's prefetch to the entity's account only", async () => {
    const res = await h.createPrefetch(auth.allowed, {
      entityRef: TRAILER,
      account: 'eu',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(
      `account: ${TRAILER} is prefetched with account main; leave account out or name main`,
    );
    // Also when the asset id binds the prefetch to the entity.
    const byAsset = await h.createPrefetch(auth.allowed, {
      assetId: TRAILER_ASSET,
      account: 'eu',
    });
    expect(byAsset.status).toBe(400);
    expect(byAsset.body.error.message).toMatch(/^account: /);
  });

  it("covers URLs under the entity's asset with the entity's right alone", async () => {
    const res = await h.createPrefetch(auth.trailerOwner, {
      entityRef: TRAILER,
      urls: [trailerUrl('a.mp4'), trailerUrl('play_video/b_480.mp4')],
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      entityRef: TRAILER,
      createdBy: users.trailerOwner,
      urls: [trailerUrl('a.mp4'), trailerUrl('play_video/b_480.mp4')],
    });
    expect(res.body.assetId).toBeUndefined();
  });

  it('needs vod.prefetch.adhoc.create as well for any other URL, naming it', async () => {
    const body = {
      entityRef: TRAILER,
      urls: [
        trailerUrl('a.mp4'),
        `https://example.com/asset/${DOC_ASSET}/a.mp4`,
      ],
    };
    const refused = await h.createPrefetch(auth.trailerOwner, body);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe(
      `urls[1]: https://example.com/asset/${DOC_ASSET}/a.mp4 is not a URL of ${TRAILER}'s asset (/asset/${TRAILER_ASSET}/…); prefetching other URLs needs vod.prefetch.adhoc.create`,
    );
    expect((await h.createPrefetch(auth.allowed, body)).status).toBe(202);
  });

  it('names the entity in a refusal only to whoever may see it', async () => {
    const visible = await h.createPrefetch(auth.trailerOwner, {
      assetId: DOC_ASSET,
    });
    expect(visible.status).toBe(403);
    expect(visible.body.error.message).toBe(
      `You may not prefetch ${DOC} (vod.prefetch.create)`,
    );
    const hidden = await h.createPrefetch(auth.blind, { assetId: DOC_ASSET });
    expect(hidden.status).toBe(403);
    expect(JSON.stringify(hidden.body)).not.toContain('documentary');
  });

  it('spends no quota on a refused create', async () => {
    const before = (await h.http().get('/api/vod/quota').set(auth.allowed)).body
      .used;
    await h.createPrefetch(auth.trailerOwner, { assetId: DOC_ASSET });
    await h.createPrefetch(auth.allowed, {
      entityRef: TRAILER,
      assetId: DOC_ASSET,
    });
    await h.createPrefetch(auth.allowed, { entityRef: TRAILER, account: 'eu' });
    const after = (await h.http().get('/api/vod/quota').set(auth.allowed)).body
      .used;
    expect(after).toBe(before);
  });
});

describe('an asset that more than one entity names', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      extraEntities: [
        mediaEntity('copycat', 'group:default/someone-else', TRAILER_ASSET),
      ],
    });
  });
  afterAll(() => h.stop());

  it('is not captured by whichever entity claims it too: by its id it belongs to none', async () => {
    const ok = await h.createPrefetch(auth.allowed, { assetId: TRAILER_ASSET });
    expect(ok.status).toBe(202);
    expect(ok.body.entityRef).toBeUndefined(); // neither the trailer's nor the copycat's
    const owner = await h.createPrefetch(auth.trailerOwner, {
      assetId: TRAILER_ASSET,
    });
    expect(owner.status).toBe(403);
    expect(owner.body.error.message).toContain(
      'prefetch the entity you mean by entityRef',
    );
    expect(owner.body.error.message).not.toContain('copycat');
    const byEntity = await h.createPrefetch(auth.trailerOwner, {
      entityRef: TRAILER,
    });
    expect(byEntity.status).toBe(202);
    expect(byEntity.body.entityRef).toBe(TRAILER);
  });
});

describe('reading follows vod.prefetch.read on each entity', () => {
  let h: Harness;
  const ids: Record<string, string[]> = {
    trailer: [],
    doc: [],
    adhoc: [],
    mine: [],
  };

  beforeAll(async () => {
    h = await startHarness();
    // Interleaved, so that a reader who may see one entity meets hidden rows on every page.
    for (let i = 0; i < 5; i++) {
      ids.doc.push(
        (await h.createPrefetch(auth.allowed, { entityRef: DOC })).body.id,
      );
      ids.doc.push(
        (await h.createPrefetch(auth.allowed, { assetId: DOC_ASSET })).body.id,
      );
      ids.trailer.push(
        (await h.createPrefetch(auth.allowed, { entityRef: TRAILER })).body.id,
      );
      ids.adhoc.push(
        (await h.createPrefetch(auth.allowed, { assetId: LOOSE_ASSET })).body
          .id,
      );
    }
    ids.mine.push(
      (
        await h.createPrefetch(auth.adhocOnly, {
          urls: ['https://cdn.example.com/x.mp4'],
        })
      ).body.id,
    );
  });
  afterAll(() => h.stop());

  const get = (headers: object, id: string) =>
    h
      .http()
      .get(`/api/vod/prefetches/${id}`)
      .set(headers as any);

  /** Every page of a listing, and the ids on each. */
  async function pages(headers: object, limit: number, query: object = {}) {
    const out: string[][] = [];
    let cursor: string | undefined;
    do {
      const res = await h
        .http()
        .get('/api/vod/prefetches')
        .query({ ...query, limit: String(limit), ...(cursor && { cursor }) })
        .set(headers as any);
      expect(res.status).toBe(200);
      out.push(res.body.items.map((p: any) => p.id));
      cursor = res.body.nextCursor;
    } while (cursor && out.length < 50);
    return out;
  }

  it('fills every page with what the reader may see, pages disjoint, nothing skipped', async () => {
    const seen = await pages(auth.trailerOwner, 2);
    expect(seen.map(p => p.length)).toEqual([2, 2, 1]);
    const all = seen.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual([...ids.trailer].sort());
  });

  it('shows everything to a reader the policy allows everything', async () => {
    const all = (await pages(auth.allowed, 7)).flat();
    expect(all.length).toBeGreaterThanOrEqual(21);
    expect(all).toEqual(
      expect.arrayContaining([...ids.doc, ...ids.adhoc, ...ids.mine]),
    );
  });

  it('shows a reader without vod.prefetch.adhoc.read only the ad-hoc prefetches they started', async () => {
    expect((await pages(auth.adhocOnly, 10)).flat()).toEqual(ids.mine);
    expect((await get(auth.adhocOnly, ids.mine[0])).status).toBe(200);
    const other = await get(auth.adhocOnly, ids.adhoc[0]);
    expect(other.status).toBe(403);
    expect(other.body.error.message).toContain('vod.prefetch.adhoc.read');
  });

  it('answers one prefetch by the rights on its entity: 404 if hidden, 403 if not readable', async () => {
    expect((await get(auth.trailerOwner, ids.trailer[0])).status).toBe(200);
    const notReadable = await get(auth.trailerOwner, ids.doc[0]);
    expect(notReadable.status).toBe(403);
    expect(notReadable.body.error.message).toBe(
      `You may not see the prefetches of ${DOC} (vod.prefetch.read)`,
    );
    const hidden = await get(auth.blind, ids.doc[0]);
    expect(hidden.status).toBe(404);
    expect(JSON.stringify(hidden.body)).not.toContain('documentary');
    expect((await pages(auth.blind, 10)).flat()).not.toEqual(
      expect.arrayContaining([ids.doc[0]]),
    );
  });

  it('applies the same rules to the seed query', async () => {
    const done = await h.waitFor(ids.doc[0], s => s === 'succeeded');
    const path = `/api/vod/v1.0/${PROJECT}/asset/preheating?task_id=${done.tasks[0].taskId}`;
    const allowed = await h.http().get(path).set(auth.allowed);
    expect(allowed.status).toBe(200);
    const denied = await h.http().get(path).set(auth.trailerOwner);
    expect(denied.status).toBe(403);
    expect(denied.body.error_code).toBe('PORTAL.0403');
    const hidden = await h.http().get(path).set(auth.blind);
    expect(hidden.status).toBe(404);
    expect(hidden.body.error_code).toBe('PORTAL.0404');
  });

  it('shows accounts and quota to whoever may read prefetches in some form', async () => {
    for (const headers of [auth.allowed, auth.trailerOwner]) {
      expect(
        (await h.http().get('/api/vod/accounts').set(headers)).status,
      ).toBe(200);
      expect((await h.http().get('/api/vod/quota').set(headers)).status).toBe(
        200,
      );
    }
    for (const headers of [auth.denied, auth.adhocOnly]) {
      const res = await h.http().get('/api/vod/accounts').set(headers);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain('vod.prefetch.read');
      expect((await h.http().get('/api/vod/quota').set(headers)).status).toBe(
        403,
      );
    }
  });

  it("answers an entity's quota by the read right on that entity", async () => {
    const quota = (headers: object, entityRef: string) =>
      h
        .http()
        .get('/api/vod/quota')
        .query({ entityRef })
        .set(headers as any);
    const own = await quota(auth.trailerOwner, TRAILER);
    expect(own.status).toBe(200);
    expect(own.body.account).toBe('main');
    expect((await quota(auth.trailerOwner, DOC)).status).toBe(403);
    expect((await quota(auth.blind, DOC)).status).toBe(404);
  });
});
