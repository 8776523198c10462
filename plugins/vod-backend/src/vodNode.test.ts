// vod-node's vodPrefetchServiceRef against the real vod plugin: another backend plugin prefetches
// on behalf of the user it acts for, and the vod plugin's permissions apply to that user.
import { auth, Harness, startHarness, users } from './__testUtils__/harness';
import { relayPlugin } from './__testUtils__/vodNodeRelay';

describe('vodPrefetchServiceRef', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ extraFeatures: [relayPlugin] });
  });
  afterAll(() => h?.stop());

  it('prefetches as the user the calling plugin acts for', async () => {
    const res = await h
      .http()
      .post('/api/relay/prefetch/trailer')
      .set(auth.trailerOwner);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      entityRef: 'resource:default/trailer',
      createdBy: users.trailerOwner,
    });
  });

  it("applies the vod permissions to that user, passing the vod plugin's refusal on", async () => {
    const res = await h
      .http()
      .post('/api/relay/prefetch/documentary')
      .set(auth.trailerOwner);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('resource:default/documentary');
  });
});

describe('vodPrefetchServiceRef.waitFor', () => {
  const create = async (h: Harness) =>
    (await h.http().post('/api/relay/prefetch/trailer').set(auth.trailerOwner))
      .body;

  it('follows a prefetch to its end, with each state on the way', async () => {
    const h = await startHarness({
      extraFeatures: [relayPlugin],
      processingMs: 1500,
    });
    try {
      const { id } = await create(h);
      const res = await h
        .http()
        .post(`/api/relay/wait/${id}`)
        .set(auth.trailerOwner);
      expect(res.body).toMatchObject({ outcome: 'ended', status: 'succeeded' });
      expect(res.body.seen[res.body.seen.length - 1]).toBe('succeeded');
      expect(res.body.ms).toBeLessThan(6_000);
    } finally {
      await h.stop();
    }
  });

  it('gives up after its timeout and says so, the prefetch going on', async () => {
    const h = await startHarness({
      extraFeatures: [relayPlugin],
      processingMs: 60_000,
    });
    try {
      const { id } = await create(h);
      const res = await h
        .http()
        .post(`/api/relay/wait/${id}?timeoutMs=2000`)
        .set(auth.trailerOwner);
      expect(res.body).toMatchObject({ outcome: 'timeout' });
      expect(['pending', 'processing']).toContain(res.body.status);
      expect(res.body.ms).toBeGreaterThanOrEqual(1_900);
      expect(res.body.ms).toBeLessThan(5_000);
      // A reader without the right is refused, not waited for.
      const denied = await h
        .http()
        .post(`/api/relay/wait/${id}`)
        .set(auth.denied);
      expect(denied.status).toBe(403);
    } finally {
      await h.stop();
    }
  });
});
