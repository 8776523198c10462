import { gzipSync } from 'node:zlib';
import {
  auth,
  DOC_ASSET,
  Harness,
  LOOSE_ASSET,
  PROJECT,
  startHarness,
  TRAILER_ASSET,
} from './__testUtils__/harness';
import { pluginClock } from './__testUtils__/pluginClock';

jest.setTimeout(60_000);

const PATH = `/api/vod/v1.0/${PROJECT}/asset/preheating`;

function seedClient(h: Harness) {
  const creates = () => h.sim.calls().filter(c => c.route === 'create');
  const queries = () => h.sim.calls().filter(c => c.route === 'query');
  const post = (body: object | string, headers: Record<string, string> = {}) =>
    h
      .http()
      .post(PATH)
      .set(auth.allowed)
      .set({ 'Content-Type': 'application/json', ...headers })
      .send(typeof body === 'string' ? body : JSON.stringify(body));
  const query = (taskId: string) =>
    h.http().get(`${PATH}?task_id=${taskId}`).set(auth.allowed);
  return { creates, queries, post, query };
}

describe('the seed query answers from the records, and asks VOD sparingly', () => {
  let h: Harness;
  // Known data ages by the plugin's clock, moved on by the test instead of waited for.
  const clock = pluginClock();
  beforeAll(async () => {
    h = await startHarness({
      extraFeatures: [clock.factory],
      // No background polling in this block: every VOD query below is the seed route's.
      vod: {
        polling: { frequency: '1h', initialDelay: '1h' },
        // Fresh for a minute of the plugin's clock, which only the test moves on.
        seedRoutes: { maxWait: '100ms', queryMaxAge: '1m' },
      },
      // The seed route may use half of it: 2 live queries a minute.
      account: { rateLimit: { createsPerMinute: 100, queriesPerMinute: 4 } },
    });
  });
  afterAll(() => h.stop());

  it('shares one live query among concurrent readers, and serves known data past the cap', async () => {
    const seed = seedClient(h);
    const { task_id: taskId } = (await seed.post({ asset_id: TRAILER_ASSET }))
      .body;
    const round = async () => {
      const answers = await Promise.all(
        Array.from({ length: 30 }, () => seed.query(taskId)),
      );
      expect(answers.map(a => a.status)).toEqual(Array(30).fill(200));
      return answers[0].body;
    };
    expect((await round()).preheating_results).toHaveLength(3);
    expect(seed.queries()).toHaveLength(1);
    await round(); // still fresh
    expect(seed.queries()).toHaveLength(1);
    clock.advance(61_000);
    await round();
    expect(seed.queries()).toHaveLength(2);
    clock.advance(61_000);
    // The seed route's two queries a minute are spent: the known data is the answer.
    const stale = await round();
    expect(stale).toEqual({
      task_id: taskId,
      preheating_results: expect.any(Array),
    });
    expect(seed.queries()).toHaveLength(2);
  });

  it('answers 429 with Retry-After when nothing is known yet and no spare query slot is free', async () => {
    const seed = seedClient(h);
    const { task_id: taskId } = (await seed.post({ asset_id: DOC_ASSET })).body;
    const res = await seed.query(taskId);
    expect(res.status).toBe(429);
    expect(res.body.error_code).toBe('PORTAL.0429');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('the seed create', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({
      vod: { seedRoutes: { maxWait: '300ms' } },
      account: {
        dailyQuota: 3,
        rateLimit: { createsPerMinute: 1, queriesPerMinute: 100 },
      },
    });
  });
  afterEach(() => h.stop());

  const quotaUsed = async () =>
    (await h.http().get('/api/vod/quota').set(auth.allowed)).body.used;

  it('answers 429 with Retry-After when no create slot frees up in time: nothing sent, quota back', async () => {
    const seed = seedClient(h);
    expect((await seed.post({ asset_id: TRAILER_ASSET })).status).toBe(202);
    const late = await seed.post({ asset_id: DOC_ASSET });
    expect(late.status).toBe(429);
    expect(late.body.error_code).toBe('PORTAL.0429');
    expect(late.body.error_msg).toContain('nothing was sent');
    expect(Number(late.headers['retry-after'])).toBeGreaterThanOrEqual(59);
    expect(seed.creates()).toHaveLength(1);
    expect(await quotaUsed()).toBe(1);
    // Retrying is safe, and is a new attempt (the given-up one is not replayed).
    expect((await seed.post({ asset_id: DOC_ASSET })).status).toBe(429);
    expect(seed.creates()).toHaveLength(1);
    const { body } = await h
      .http()
      .get('/api/vod/prefetches')
      .query({ assetId: DOC_ASSET })
      .set(auth.allowed);
    expect(body.items.map((p: any) => [p.status, p.error.code])).toEqual([
      ['failed', 'PORTAL_NOT_SENT'],
      ['failed', 'PORTAL_NOT_SENT'],
    ]);
  });

  it('gives a waiting create up when its caller leaves: nothing sent, quota back', async () => {
    await h.stop();
    h = await startHarness({
      vod: { seedRoutes: { maxWait: '30s' } },
      account: { rateLimit: { createsPerMinute: 1, queriesPerMinute: 100 } },
    });
    const seed = seedClient(h);
    expect((await seed.post({ asset_id: TRAILER_ASSET })).status).toBe(202);
    const { port } = (h.server as any).address();
    const caller = new AbortController();
    const leaving = fetch(`http://127.0.0.1:${port}${PATH}`, {
      method: 'POST',
      headers: { ...auth.allowed, 'Content-Type': 'application/json' },
      body: JSON.stringify({ asset_id: DOC_ASSET }),
      signal: caller.signal,
    }).catch(() => 'left');
    await new Promise(resolve => setTimeout(resolve, 300));
    caller.abort();
    expect(await leaving).toBe('left');
    let list: any;
    for (let i = 0; i < 50; i++) {
      list = (
        await h
          .http()
          .get('/api/vod/prefetches')
          .query({ assetId: DOC_ASSET })
          .set(auth.allowed)
      ).body;
      if (list.items[0]?.status === 'failed') break;
      await new Promise(resolve => setTimeout(resolve, 50));
    }
    expect(list.items[0]).toMatchObject({
      status: 'failed',
      error: { code: 'PORTAL_NOT_SENT' },
    });
    expect(await quotaUsed()).toBe(1);
    expect(seed.creates()).toHaveLength(1);
  });

  it('checks the quota before anything else: a 429 with no VOD call', async () => {
    await h.stop();
    h = await startHarness({ account: { dailyQuota: 1 } });
    const seed = seedClient(h);
    expect((await seed.post({ asset_id: TRAILER_ASSET })).status).toBe(202);
    const over = await seed.post({ asset_id: DOC_ASSET });
    expect(over.status).toBe(429);
    expect(over.body.error_msg).toContain('quota');
    expect(seed.creates()).toHaveLength(1);
  });

  it.each([
    ['its body', {}],
    ['its Idempotency-Key', { 'Idempotency-Key': 'launch-7' }],
  ])(
    'gets the task id on a retry after a 503, by %s, and VOD never gets the call twice',
    async (_by, headers: Record<string, string>) => {
      await h.stop();
      h = await startHarness({ vod: { seedRoutes: { maxWait: '300ms' } } });
      const seed = seedClient(h);
      h.sim.setFaults({ latencyMs: 1500, routes: ['create'] });
      const first = await seed.post({ asset_id: TRAILER_ASSET }, headers);
      expect(first.status).toBe(503);
      expect(first.body.error_code).toBe('PORTAL.0503');
      expect(first.body.error_msg).toContain('never sent twice');
      h.sim.setFaults({});
      let retry = await seed.post({ asset_id: TRAILER_ASSET }, headers);
      for (let i = 0; retry.status === 503 && i < 20; i++) {
        retry = await seed.post({ asset_id: TRAILER_ASSET }, headers);
      }
      expect(retry.status).toBe(202);
      expect(seed.creates()).toHaveLength(1);
      expect(retry.body.task_id).toBe(seed.creates()[0].taskId);
    },
  );

  it('refuses an Idempotency-Key reused with another body with a 409', async () => {
    const seed = seedClient(h);
    const key = { 'Idempotency-Key': 'k-1' };
    expect((await seed.post({ asset_id: TRAILER_ASSET }, key)).status).toBe(
      202,
    );
    const other = await seed.post({ asset_id: DOC_ASSET }, key);
    expect(other.status).toBe(409);
    expect(other.body.error_code).toBe('PORTAL.0409');
    const bad = await seed.post(
      { asset_id: DOC_ASSET },
      { 'Idempotency-Key': 'a b' },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error_msg).toContain('{Idempotency-Key}');
  });
});

describe('when IAM refuses the portal its token', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      iamUser: {
        domain: 'mediaops',
        name: 'svc',
        password: 'what-the-portal-has',
      },
      simAccount: {
        iamUsers: [
          { domain: 'mediaops', name: 'svc', password: 'changed-at-huawei' },
        ],
      },
      vod: { seedRoutes: { maxWait: '300ms' } },
    });
  });
  afterAll(() => h.stop());

  it("answers the seed caller 502 (the portal's fault, not the caller's 401), having sent nothing", async () => {
    const seed = seedClient(h);
    const res = await seed.post({ asset_id: TRAILER_ASSET });
    expect(res.status).toBe(502);
    expect(res.body.error_code).toBe('PORTAL.0502');
    expect(res.body.error_msg).toContain('The username or password is wrong.');
    expect(res.body.error_msg).toContain('Nothing was sent');
    expect(seed.creates()).toHaveLength(0);
    expect(
      (await h.http().get('/api/vod/quota').set(auth.allowed)).body.used,
    ).toBe(0);
  });

  it('keeps prefetches queued, shows the problem on the account, and asks IAM rarely', async () => {
    const res = await h.createPrefetch(auth.allowed, { assetId: DOC_ASSET });
    expect(res.status).toBe(202);
    await new Promise(resolve => setTimeout(resolve, 500));
    const prefetch = await h
      .http()
      .get(`/api/vod/prefetches/${res.body.id}`)
      .set(auth.allowed);
    expect(prefetch.body.status).toBe('pending');
    const accounts = await h.http().get('/api/vod/accounts').set(auth.allowed);
    expect(accounts.body[0].problem).toMatchObject({
      code: 'IAM_CREDENTIALS_REFUSED',
      message: 'The username or password is wrong.',
    });
    expect(h.sim.calls().filter(c => c.route === 'iam')).toHaveLength(1);
  });
});

describe('the seed routes refuse malformed input with a 4xx in the seed shape', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  const raw = (headers: Record<string, string>, body: string | Buffer) =>
    h.http().post(PATH).set(auth.allowed).set(headers).send(body);

  it.each([
    [
      'an unknown charset',
      { 'Content-Type': 'application/json; charset=utf-99' },
      '{}',
      415,
    ],
    [
      'an unknown content encoding',
      { 'Content-Type': 'application/json', 'Content-Encoding': 'compress' },
      '{}',
      415,
    ],
    [
      'a gzip body that is not gzip',
      { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      'not gzip at all',
      400,
    ],
    [
      'a body over 64 kB',
      { 'Content-Type': 'application/json' },
      JSON.stringify({ urls: ['x'.repeat(70_000)] }),
      413,
    ],
  ])('answers %s with a 4xx', async (_name, headers, body, status) => {
    const res = await raw(headers, body);
    expect(res.status).toBe(status);
    expect(Object.keys(res.body).sort()).toEqual(['error_code', 'error_msg']);
    expect(res.body.error_code).toBe(`PORTAL.0${status}`);
  });

  it('takes a gzip body that is gzip', async () => {
    // Raw bytes: supertest would serialise a Buffer sent as JSON.
    const { port } = (h.server as any).address();
    const res = await fetch(`http://127.0.0.1:${port}${PATH}`, {
      method: 'POST',
      headers: {
        ...auth.allowed,
        'Content-Type': 'application/json',
        'Content-Encoding': 'gzip',
      },
      body: gzipSync(JSON.stringify({ asset_id: LOOSE_ASSET })),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ task_id: expect.any(String) });
  });

  it.each([
    ['without task_id', ''],
    ['with two task ids', '?task_id=a&task_id=b'],
    ['with a task id that is no id', `?task_id=${'x'.repeat(65)}`],
  ])('answers a query %s with 400 naming task_id', async (_name, search) => {
    const res = await h.http().get(`${PATH}${search}`).set(auth.allowed);
    expect(res.status).toBe(400);
    expect(res.body.error_msg).toContain('illegal field: {task_id}');
  });
});
