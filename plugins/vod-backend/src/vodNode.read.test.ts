// vod-node's vodPrefetchServiceRef reading through the real vod plugin: another backend plugin
// gets and lists prefetches on behalf of the user it acts for, who sees what the vod plugin's
// permissions let them see, and the vod plugin's refusals reach that plugin as they are.
import {
  auth,
  DOC_ASSET,
  Harness,
  startHarness,
  TRAILER_ASSET,
  users,
} from './__testUtils__/harness';
import { relayPlugin } from './__testUtils__/vodNodeRelay';

jest.setTimeout(60_000);

const TRAILER = 'resource:default/trailer';
const DOC = 'resource:default/documentary';

describe('vodPrefetchServiceRef reading', () => {
  let h: Harness;
  const ids = { trailer: [] as string[], doc: [] as string[] };
  beforeAll(async () => {
    h = await startHarness({ extraFeatures: [relayPlugin] });
    for (let i = 0; i < 3; i++) {
      for (const [key, entityRef] of [
        ['trailer', TRAILER],
        ['doc', DOC],
      ] as const) {
        const res = await h.createPrefetch(auth.allowed, { entityRef });
        if (res.status !== 202) throw new Error(`create: ${res.status}`);
        ids[key].push(res.body.id);
      }
    }
    await h.waitFor(ids.trailer[0], s => s === 'succeeded');
  });
  afterAll(() => h?.stop());

  /**
   * What the relay plugin was thrown: a ResponseError with the vod plugin's status, whose cause
   * is the vod plugin's own error (the relay's error handler passes both on).
   */
  const refusal = (res: { status: number; body: any }) => ({
    status: res.status,
    name: res.body.error.cause?.name,
    message: res.body.error.cause?.message,
  });
  const read = (headers: object, path: string) =>
    h
      .http()
      .get(`/api/relay${path}`)
      .set(headers as Record<string, string>);

  it('getPrefetch answers one prefetch as the vod plugin answers the user, with its VOD task', async () => {
    const res = await read(auth.trailerOwner, `/prefetch/${ids.trailer[0]}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: ids.trailer[0],
      entityRef: TRAILER,
      assetId: TRAILER_ASSET,
      account: 'main',
      createdBy: users.allowed,
      status: 'succeeded',
    });
    const vodTask = h.sim
      .calls()
      .find(c => c.route === 'create' && c.taskId === res.body.tasks[0].taskId);
    expect(vodTask?.body).toEqual({ asset_id: TRAILER_ASSET });
    // The same as the vod plugin answers the user directly.
    const direct = await h
      .http()
      .get(`/api/vod/prefetches/${ids.trailer[0]}`)
      .set(auth.trailerOwner);
    expect(res.body).toEqual(direct.body);
  });

  it("getPrefetch passes the vod plugin's refusals on: 403 for an unreadable entity, 404 for a hidden one or none", async () => {
    expect(
      refusal(await read(auth.trailerOwner, `/prefetch/${ids.doc[0]}`)),
    ).toEqual({
      status: 403,
      name: 'NotAllowedError',
      message: `You may not see the prefetches of ${DOC} (vod.prefetch.read)`,
    });
    expect(
      refusal(await read(auth.denied, `/prefetch/${ids.trailer[0]}`)),
    ).toEqual({
      status: 403,
      name: 'NotAllowedError',
      message: `You may not see the prefetches of ${TRAILER} (vod.prefetch.read)`,
    });
    const hidden = await read(auth.blind, `/prefetch/${ids.doc[0]}`);
    expect(refusal(hidden)).toMatchObject({
      status: 404,
      name: 'NotFoundError',
    });
    expect(JSON.stringify(hidden.body)).not.toContain('documentary');
    expect(
      refusal(
        await read(
          auth.allowed,
          '/prefetch/00000000-0000-4000-8000-000000000000',
        ),
      ),
    ).toMatchObject({ status: 404, name: 'NotFoundError' });
  });

  it('listPrefetches lists only what the user may read, newest first, paged and filtered', async () => {
    const mine = await read(auth.trailerOwner, '/prefetches');
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((p: any) => p.id)).toEqual(
      [...ids.trailer].reverse(),
    );

    const first = await read(auth.trailerOwner, '/prefetches?limit=2');
    expect(first.body.items.map((p: any) => p.id)).toEqual(
      [...ids.trailer].reverse().slice(0, 2),
    );
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await read(
      auth.trailerOwner,
      `/prefetches?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    expect(second.body.items.map((p: any) => p.id)).toEqual([ids.trailer[0]]);

    const everyone = await read(
      auth.allowed,
      `/prefetches?assetId=${DOC_ASSET}`,
    );
    expect(everyone.body.items.map((p: any) => p.id)).toEqual(
      [...ids.doc].reverse(),
    );
    // Nobody's prefetches for a user who may read none.
    const denied = await read(auth.denied, '/prefetches');
    expect(denied.status).toBe(200);
    expect(denied.body.items).toEqual([]);
  });

  it("listPrefetches passes the vod plugin's refusal of a bad filter on, naming it", async () => {
    const res = await read(auth.trailerOwner, '/prefetches?status=done');
    expect(refusal(res)).toEqual({
      status: 400,
      name: 'InputError',
      message: expect.stringContaining(
        'query/status must be equal to one of the allowed values',
      ),
    });
  });
});
