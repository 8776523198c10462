import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { pluginClock } from './__testUtils__/pluginClock';
import {
  auth,
  Harness,
  startHarness,
  TRAILER_ASSET,
} from './__testUtils__/harness';

jest.setTimeout(120_000);

describe('quota', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('refuses with 429 once the day is used up, and takes prefetches again the next quota day', async () => {
    // 23:58 in Beijing (GMT+08:00), the quota day's time zone, by the plugin's clock only: the
    // scheduler, the rate limits and the simulator keep the real time.
    const clock = pluginClock();
    clock.set(Date.parse('2026-11-25T15:58:00Z'));
    h = await startHarness({
      account: { dailyQuota: 3 },
      extraFeatures: [clock.factory],
    });
    const create = () =>
      h.createPrefetch(auth.allowed, { assetId: TRAILER_ASSET });
    for (let i = 0; i < 3; i++) expect((await create()).status).toBe(202);

    const refused = await create();
    expect(refused.status).toBe(429);
    expect(refused.body.error.name).toBe('QuotaExceededError');
    expect(refused.body.error.message).toContain('3 of 3 used');
    expect(refused.body.error.message).toContain(
      'resets at 2026-11-25T16:00:00.000Z',
    );
    const quota = await h.http().get('/api/vod/quota').set(auth.allowed);
    expect(quota.body).toEqual({
      account: 'main',
      limit: 3,
      used: 3,
      remaining: 0,
      resetsAt: '2026-11-25T16:00:00.000Z',
      queued: expect.any(Number),
    });

    clock.set(Date.parse('2026-11-25T16:00:30Z')); // 00:00:30 the next day
    expect((await create()).status).toBe(202);
    expect(
      (await h.http().get('/api/vod/quota').set(auth.allowed)).body,
    ).toMatchObject({
      used: 1,
      resetsAt: '2026-11-26T16:00:00.000Z',
    });
  });

  // Needs BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING (scripts/test.sh sets it).
  const databases = TestDatabases.create({ ids: ['POSTGRES_15'] });

  it('accepts exactly 100 of 200 parallel creates against a quota of 100 on PostgreSQL', async () => {
    const knex = await databases.init('POSTGRES_15');
    h = await startHarness({
      account: { dailyQuota: 100 },
      extraFeatures: [mockServices.database.factory({ knex })],
    });
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        h.createPrefetch(auth.allowed, { assetId: TRAILER_ASSET }),
      ),
    );
    const statuses = results.map(r => r.status);
    expect(statuses.filter(s => s === 202)).toHaveLength(100);
    expect(statuses.filter(s => s === 429)).toHaveLength(100);
    expect((await knex('vod_prefetches').count({ n: '*' }))[0].n).toBe('100');
    expect((await knex('vod_quota_usage').first()).used).toBe(100);
  });
});

describe('outbox', () => {
  let h: Harness;
  afterEach(() => h?.stop());

  it('re-sends a create whose answer was lost once, marked as a possible duplicate', async () => {
    h = await startHarness();
    h.sim.queueFault({ kind: 'reset-after', route: 'create' });
    const res = await h.createPrefetch(auth.allowed, {
      assetId: TRAILER_ASSET,
    });
    const done = await h.waitFor(res.body.id, s => s === 'succeeded');
    expect(done).toMatchObject({
      status: 'succeeded',
      possibleDuplicate: true,
    });
    const creates = h.sim.calls().filter(c => c.route === 'create');
    expect(creates).toHaveLength(2); // VOD did get it twice: that is what the flag says
  });

  it('keeps a prefetch queued while VOD is unreachable, and sends it once VOD is back', async () => {
    h = await startHarness({ vod: { retryAttempts: 1 } });
    h.sim.queueFault({ kind: '429', route: 'create' });
    const res = await h.createPrefetch(auth.allowed, {
      assetId: TRAILER_ASSET,
    });
    await new Promise(resolve => setTimeout(resolve, 300));
    expect(
      (
        await h
          .http()
          .get(`/api/vod/prefetches/${res.body.id}`)
          .set(auth.allowed)
      ).body.status,
    ).toBe('pending');
    // It is pending because VOD refused it, not because it was never sent.
    expect(
      h.sim
        .calls()
        .filter(c => c.route === 'create')
        .map(c => c.status),
    ).toEqual([429]);
    // the next wake-up (any new prefetch, or the periodic sweep) sends it
    await h.createPrefetch(auth.allowed, { assetId: TRAILER_ASSET });
    const done = await h.waitFor(res.body.id, s => s === 'succeeded');
    expect(done).toMatchObject({
      status: 'succeeded',
      possibleDuplicate: false,
    });
  });
});
