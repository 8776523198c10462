// The dry run of a create (?dryRun=true) and the waiting read (GET /prefetches/:id?changedFrom=),
// through the real backend, its store and the simulator.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { prefetchFingerprint } from '@mediaops/backstage-plugin-vod-common';
import { DatabaseVodStore } from './database/DatabaseVodStore';
import {
  auth,
  Harness,
  startHarness,
  LOOSE_ASSET,
  TRAILER_ASSET,
} from './__testUtils__/harness';

jest.setTimeout(60_000);

describe('a dry run', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ account: { dailyQuota: 3 } });
  });
  afterAll(() => h?.stop());

  const plan = (who: Record<string, string>, body: object) =>
    h.http().post('/api/vod/prefetches?dryRun=true').set(who).send(body);

  it('says what a create would do and cost, and records and sends nothing', async () => {
    const res = await plan(auth.trailerOwner, {
      entityRef: 'resource:default/trailer',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      dryRun: true,
      account: 'main',
      entityRef: 'resource:default/trailer',
      assetId: TRAILER_ASSET,
      units: 1,
      vodCalls: 1,
      quota: expect.objectContaining({ limit: 3, used: 0, remaining: 3 }),
    });
    const urls = Array.from(
      { length: 12 },
      (_, i) => `https://cdn.example.com/Show/${i}.mp4`,
    );
    const byUrls = await plan(auth.allowed, { urls });
    expect(byUrls.status).toBe(429); // 12 units, 3 left
    expect(byUrls.body.error.message).toMatch(/needs 12/);
    const three = await plan(auth.allowed, { urls: urls.slice(0, 3) });
    expect(three.body).toMatchObject({ units: 3, vodCalls: 1 });

    const list = await h.http().get('/api/vod/prefetches').set(auth.allowed);
    expect(list.body.items).toEqual([]);
    expect(h.sim.calls().filter(c => c.route === 'create')).toEqual([]);
  });

  it('is refused as the create would be', async () => {
    const denied = await plan(auth.trailerOwner, {
      entityRef: 'resource:default/documentary',
    });
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toMatch(/vod\.prefetch\.create/);
    const outside = await plan(auth.allowed, {
      urls: ['https://elsewhere.example.org/a.mp4'],
    });
    expect(outside.status).toBe(400);
    expect(outside.body.error.message).toMatch(/urls\[0\]/);
    const bad = await h
      .http()
      .post('/api/vod/prefetches?dryRun=maybe')
      .set(auth.allowed)
      .send({ entityRef: 'resource:default/trailer' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/\bdryRun\b.*true, false/);
  });

  it("shows the account's quota only to whom GET /quota would show it", async () => {
    // adhocOnly may prefetch outside the catalog but read nothing of the accounts.
    const res = await plan(auth.adhocOnly, { assetId: LOOSE_ASSET });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      dryRun: true,
      account: 'main',
      assetId: LOOSE_ASSET,
      units: 1,
      vodCalls: 1,
    });
    const quota = await h.http().get('/api/vod/quota').set(auth.adhocOnly);
    expect(quota.status).toBe(403);
    // Over the quota, the refusal says so without the account's figures.
    const over = await plan(auth.adhocOnly, {
      urls: Array.from(
        { length: 4 },
        (_, i) => `https://cdn.example.com/Show/${i}.mp4`,
      ),
    });
    expect(over.status).toBe(429);
    expect(over.body.error.message).toMatch(
      /^The daily prefetch quota of account main cannot take this prefetch of 4\. It resets at /,
    );
  });
});

describe('a waiting read', () => {
  const get = (h: Harness, id: string, query: string) =>
    h.http().get(`/api/vod/prefetches/${id}?${query}`).set(auth.allowed);
  const create = async (h: Harness) =>
    (
      await h.createPrefetch(auth.allowed, {
        entityRef: 'resource:default/trailer',
      })
    ).body;

  it('answers as soon as the prefetch has ended', async () => {
    const h = await startHarness({ processingMs: 1500 });
    try {
      const created = await create(h);
      const start = Date.now();
      const res = await get(
        h,
        created.id,
        `changedFrom=${prefetchFingerprint(created)}&timeoutSeconds=20`,
      );
      expect([res.status, res.body.status ?? res.body]).toEqual([
        200,
        'succeeded',
      ]);
      // It ended about 1.5 s in; the change to processing before did not end the wait early.
      expect(Date.now() - start).toBeLessThan(5_000);
      // Already ended: no wait at all.
      const again = Date.now();
      await get(
        h,
        created.id,
        `changedFrom=${prefetchFingerprint(res.body)}&timeoutSeconds=20`,
      );
      expect(Date.now() - again).toBeLessThan(1_000);
    } finally {
      await h.stop();
    }
  });

  it('answers a change that is not the end after 5 s, and an unchanged prefetch after its timeout', async () => {
    const h = await startHarness({ processingMs: 60_000 });
    try {
      const created = await create(h);
      let start = Date.now();
      const changed = await get(
        h,
        created.id,
        `changedFrom=${prefetchFingerprint(created)}&timeoutSeconds=20`,
      );
      expect(changed.body.status).toBe('processing');
      expect(Date.now() - start).toBeGreaterThanOrEqual(4_900);
      expect(Date.now() - start).toBeLessThan(8_000);

      start = Date.now();
      const same = await get(
        h,
        created.id,
        `changedFrom=${prefetchFingerprint(changed.body)}&timeoutSeconds=5`,
      );
      expect(same.body.status).toBe('processing');
      expect(Date.now() - start).toBeGreaterThanOrEqual(4_900);
      expect(Date.now() - start).toBeLessThan(7_000);
    } finally {
      await h.stop();
    }
  });

  it('checks the right to read once, and refuses bad parameters', async () => {
    const h = await startHarness();
    try {
      const created = await create(h);
      const fp = prefetchFingerprint(created);
      const denied = await h
        .http()
        .get(`/api/vod/prefetches/${created.id}?changedFrom=${fp}`)
        .set(auth.denied);
      expect(denied.status).toBe(403);
      for (const query of [
        'changedFrom=nonsense',
        `changedFrom=${fp}&timeoutSeconds=31`,
        `changedFrom=${fp}&timeoutSeconds=4`,
        'timeoutSeconds=5',
      ]) {
        const res = await get(h, created.id, query);
        expect([query, res.status]).toEqual([query, 400]);
      }
    } finally {
      await h.stop();
    }
  });

  it('shares one database read among the waiting reads of a prefetch', async () => {
    const h = await startHarness({ processingMs: 60_000 });
    const reads = jest.spyOn(DatabaseVodStore.prototype, 'getPrefetch');
    try {
      const created = await create(h);
      const processing = await h.waitFor(created.id, s => s !== 'pending');
      reads.mockClear();
      const query = `changedFrom=${prefetchFingerprint(
        processing,
      )}&timeoutSeconds=5`;
      const start = Date.now();
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => get(h, created.id, query)),
      );
      expect(answers.map(a => a.status)).toEqual(Array(10).fill(200));
      const seconds = (Date.now() - start) / 1000;
      // Alone, each would read about once a second (10 × 5 s); shared, once or twice a second in all,
      // besides the poller's own reads and each read's first.
      const ofIt = reads.mock.calls.filter(([id]) => id === created.id);
      expect(ofIt.length).toBeLessThan(10 + 3 * seconds);
    } finally {
      reads.mockRestore();
      await h.stop();
    }
  });

  it('lets one caller hold 20 open at once, and frees a place when a caller hangs up', async () => {
    const h = await startHarness({ processingMs: 60_000 });
    try {
      const created = await create(h);
      const processing = await h.waitFor(created.id, s => s !== 'pending');
      const { port } = (h.server as unknown as Server).address() as AddressInfo;
      const url = `http://127.0.0.1:${port}/api/vod/prefetches/${
        created.id
      }?changedFrom=${prefetchFingerprint(processing)}&timeoutSeconds=30`;
      const hangUp = new AbortController();
      const open = Array.from({ length: 20 }, () =>
        fetch(url, { headers: auth.allowed, signal: hangUp.signal }).catch(
          () => 'hung up',
        ),
      );
      // The 21st of the same caller is refused (asked until the 20 are open); another caller
      // still waits.
      const short = url.replace('timeoutSeconds=30', 'timeoutSeconds=5');
      const deadline = Date.now() + 15_000;
      let refused;
      do {
        refused = await fetch(short, { headers: auth.allowed });
      } while (refused.status !== 429 && Date.now() < deadline);
      expect(refused.status).toBe(429);
      expect((await refused.json()).error.message).toMatch(
        /20 waiting reads open/,
      );
      const other = fetch(short, { headers: auth.trailerOwner });

      hangUp.abort();
      expect(await Promise.all(open)).toEqual(Array(20).fill('hung up'));
      const again = Date.now() + 5_000;
      let answered;
      do {
        answered = await fetch(short, { headers: auth.allowed });
      } while (answered.status === 429 && Date.now() < again);
      expect(answered.status).toBe(200);
      expect((await other).status).toBe(200);
    } finally {
      await h.stop();
    }
  });
});
