import {
  auth,
  entities,
  Harness,
  startHarness,
  TRAILER_ASSET,
} from './__testUtils__/harness';

jest.setTimeout(60_000);

const hex = (i: number) => i.toString(16).padStart(32, 'a');
// A copycat entity naming the trailer's asset, listed first; and ten more entities.
entities.unshift({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name: 'copycat',
    namespace: 'default',
    annotations: { 'vod.huaweicloud.com/asset-id': TRAILER_ASSET },
  },
  spec: { type: 'media-asset', owner: 'group:default/attacker' },
});
for (let i = 0; i < 10; i++) {
  entities.push({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: `e${i}`,
      namespace: 'default',
      annotations: { 'vod.huaweicloud.com/asset-id': hex(i) },
    },
    spec: { type: 'media-asset', owner: 'group:default/x' },
  });
}

describe('review probes (authz)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());
  const create = (headers: object, body: object) =>
    h
      .http()
      .post('/api/vod/prefetches')
      .set(headers as any)
      .send(body);

  it('PROBE 7: a raw assetId named by two entities is judged and recorded by whichever the catalog lists first', async () => {
    const own = await create(auth.trailerOwner, { assetId: TRAILER_ASSET });
    const byAllowed = await create(auth.allowed, { assetId: TRAILER_ASSET });
    // eslint-disable-next-line no-console
    console.log(
      'PROBE7',
      own.status,
      own.body?.error?.message,
      '|',
      byAllowed.status,
      byAllowed.body.entityRef,
    );
    expect(own.status).toBe(403);
    expect(byAllowed.body.entityRef).toBe('resource:default/copycat');
  });

  it('PROBE 8: after ten rounds of unreadable rows the next cursor is the position of a row the reader may not see', async () => {
    await create(auth.allowed, { entityRef: 'resource:default/trailer' });
    const hiddenIds: string[] = [];
    for (let i = 0; i < 10; i++) {
      hiddenIds.push(
        (await create(auth.allowed, { entityRef: `resource:default/e${i}` }))
          .body.id,
      );
      await new Promise(r => setTimeout(r, 3));
    }
    const res = await h
      .http()
      .get('/api/vod/prefetches')
      .query({ limit: '1' })
      .set(auth.trailerOwner);
    const decoded = res.body.nextCursor
      ? JSON.parse(Buffer.from(res.body.nextCursor, 'base64url').toString())
      : undefined;
    // eslint-disable-next-line no-console
    console.log(
      'PROBE8',
      res.status,
      res.body.items.length,
      decoded,
      hiddenIds.includes(decoded?.[1]),
    );
    expect(res.body.items).toHaveLength(0);
    expect(hiddenIds).toContain(decoded[1]);
  });
});
