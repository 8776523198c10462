import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner';
import { startVodSimulator, VodSimulator } from './server';

const PROJECT = '0123456789abcdef0123456789abcdef';
const AK = 'QTWAOYTTINDUT2QVKYUC';
const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';
const ASSET = 'f488337c31c8e4622f1590735b134c65';
const OTHER_ASSET = '9db42f5e08c15edecd99a98da241994a';

/** The simulator's clock in these tests; requests are dated by it unless a test says otherwise. */
let now = Date.parse('2026-11-25T10:00:00Z');

/** Signs with the official SDK signer and sends with fetch: independent of our plugin's client. */
async function call(
  sim: VodSimulator,
  method: 'GET' | 'POST',
  pathAndQuery: string,
  body?: object,
  options: { sk?: string; date?: Date; token?: string; project?: string } = {},
) {
  const [path, query] = pathAndQuery.split('?');
  const url = new URL(sim.url + path);
  const headers: Record<string, string> = {
    'X-Project-Id': options.project ?? PROJECT,
  };
  if (body) headers['Content-Type'] = 'application/json';
  let sent: Record<string, string>;
  if (options.token) {
    sent = { ...headers, 'X-Auth-Token': options.token };
  } else {
    const date = options.date ?? new Date(now);
    headers['X-Sdk-Date'] = date
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const signed = AKSKSigner.sign(
      {
        method,
        endpoint: url.toString(),
        headers,
        queryParams: Object.fromEntries(new URLSearchParams(query ?? '')),
        data: body,
      } as any,
      { getAk: () => AK, getSk: () => options.sk ?? SK } as any,
    ) as Record<string, string>;
    const { host, ...rest } = signed;
    sent = rest;
  }
  const res = await fetch(sim.url + pathAndQuery, {
    method,
    headers: sent,
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** Asks IAM for a token of the user svc (domain mediaops) with `password`, scoped to `project`. */
const askIam = (
  sim: VodSimulator,
  password: string,
  project: { id: string } | { name: string },
) =>
  fetch(`${sim.url}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: { name: 'svc', password, domain: { name: 'mediaops' } },
          },
        },
        scope: { project },
      },
    }),
  });

const create = (
  sim: VodSimulator,
  body: object,
  options?: Parameters<typeof call>[4],
) =>
  call(
    sim,
    'POST',
    `/v1.0/${options?.project ?? PROJECT}/asset/preheating`,
    body,
    options,
  );
const query = (sim: VodSimulator, taskId: string) =>
  call(sim, 'GET', `/v1.0/${PROJECT}/asset/preheating?task_id=${taskId}`);

describe('VOD simulator', () => {
  let sim: VodSimulator;

  beforeEach(async () => {
    now = Date.parse('2026-11-25T10:00:00Z');
    sim = await startVodSimulator({
      accounts: [
        {
          projectId: PROJECT,
          projectName: 'cn-north-4',
          accessKeyId: AK,
          secretAccessKey: SK,
          iamUsers: [{ domain: 'mediaops', name: 'svc', password: 'pw' }],
        },
      ],
      assets: { [ASSET]: {}, [OTHER_ASSET]: {} },
      processingMs: 1000,
      failingUrlPatterns: ['1920X1080'],
      dailyQuota: 5,
      createsPerMinute: 3,
      now: () => now,
    });
  });
  afterEach(() => sim.close());

  it('accepts a request signed by the official SDK and follows the task to its end', async () => {
    const created = await create(sim, { asset_id: ASSET });
    expect(created.status).toBe(202);
    expect(created.body.task_id).toMatch(/^[0-9a-f]{32}$/);
    expect(created.headers.get('x-request-id')).toBeTruthy();

    const early = await query(sim, created.body.task_id);
    expect(early.body.preheating_results.map((r: any) => r.status)).toEqual([
      'processing',
      'processing',
      'processing',
    ]);
    sim.advance(1000);
    const done = await query(sim, created.body.task_id);
    expect(done.body.preheating_results.map((r: any) => r.status)).toEqual([
      'succeed',
      'succeed',
      'failed',
    ]);
  });

  it('refuses a wrong signature with APIGW.0301 and shows its canonical request', async () => {
    const res = await create(sim, { asset_id: ASSET }, { sk: 'wrong' });
    expect(res.status).toBe(401);
    expect(res.body.error_code).toBe('APIGW.0301');
    expect(res.body.error_msg).toContain('canonicalRequest');
    expect(res.body.error_msg).toContain('/asset/preheating/');
  });

  it('refuses a request dated more than 15 minutes away', async () => {
    const res = await create(
      sim,
      { asset_id: ASSET },
      { date: new Date(now - 16 * 60_000) },
    );
    expect(res.status).toBe(401);
    expect(res.body.error_msg).toContain('signature expired');
    const ok = await create(
      sim,
      { asset_id: ASSET },
      { date: new Date(now - 14 * 60_000) },
    );
    expect(ok.status).toBe(202);
  });

  it('refuses an access key on another project with 403', async () => {
    const res = await create(
      sim,
      { asset_id: ASSET },
      { project: 'ffffffffffffffffffffffffffffffff' },
    );
    expect(res.status).toBe(403);
    expect(res.body.error_code).toBe('APIGW.0302');
  });

  it.each([
    [
      'both fields',
      { asset_id: ASSET, urls: ['https://a.example.com/x.mp4'] },
      'VOD.10053',
    ],
    ['neither field', {}, 'VOD.10053'],
    [
      '11 URLs',
      {
        urls: Array.from(
          { length: 11 },
          (_, i) => `https://a.example.com/${i}.mp4`,
        ),
      },
      'VOD.10053',
    ],
    ['a URL without scheme', { urls: ['a.example.com/x.mp4'] }, 'VOD.10053'],
    [
      'an unknown asset',
      { asset_id: 'ffffffffffffffffffffffffffffffff' },
      'VOD.10062',
    ],
  ])('answers %s with 400 %s', async (_name, body, code) => {
    const res = await create(sim, body);
    expect(res.status).toBe(400);
    expect(res.body.error_code).toBe(code);
    expect(typeof res.body.error_msg).toBe('string');
  });

  it("accepts the seed's padded URLs, counting one quota unit per URL", async () => {
    const urls = [
      '    https://example.com/a.flv',
      '    https://example.com/b.mp4',
    ];
    expect((await create(sim, { urls })).status).toBe(202);
    expect((await create(sim, { urls })).status).toBe(202); // 4 of 5 used
    sim.advance(61_000); // out of the rate window
    const over = await create(sim, { urls });
    expect(over.status).toBe(400);
    expect(over.body.error_code).toBe('VOD.10071');
    expect((await create(sim, { asset_id: ASSET })).status).toBe(202); // the 5th unit
  });

  it('resets the quota at midnight GMT+08:00', async () => {
    now = Date.parse('2026-11-25T15:50:00Z'); // 23:50 in Beijing
    for (let i = 0; i < 5; i++) {
      sim.advance(21_000); // stay under 3 creates a minute
      expect((await create(sim, { asset_id: ASSET })).status).toBe(202);
    }
    sim.advance(21_000);
    expect((await create(sim, { asset_id: ASSET })).body.error_code).toBe(
      'VOD.10071',
    );
    now = Date.parse('2026-11-25T16:01:00Z'); // 00:01 the next day
    sim.advance(60_000);
    expect((await create(sim, { asset_id: ASSET })).status).toBe(202);
  });

  it('throttles the 4th create in a rolling minute with 429 APIGW.0308', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await create(sim, { asset_id: ASSET })).status).toBe(202);
    }
    const throttled = await create(sim, { asset_id: ASSET });
    expect(throttled.status).toBe(429);
    expect(throttled.body.error_code).toBe('APIGW.0308');
  });

  it('issues IAM tokens that authenticate until they expire', async () => {
    const res = await askIam(sim, 'pw', { name: 'cn-north-4' });
    expect(res.status).toBe(201);
    const token = res.headers.get('x-subject-token')!;
    expect((await res.json()).token.expires_at).toBe(
      '2026-11-26T10:00:00.000000Z',
    );

    expect((await create(sim, { asset_id: ASSET }, { token })).status).toBe(
      202,
    );
    sim.advance(24 * 3600_000);
    const expired = await create(sim, { asset_id: ASSET }, { token });
    expect(expired.status).toBe(401);
    expect(expired.body.error_code).toBe('APIGW.0307');
  });

  it('refuses a wrong IAM password', async () => {
    const res = await askIam(sim, 'nope', { id: PROJECT });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-subject-token')).toBeNull();
  });

  it('injects a queued fault once, and records every call', async () => {
    sim.queueFault({ kind: '503', route: 'create' });
    expect((await create(sim, { asset_id: ASSET })).status).toBe(503);
    expect((await create(sim, { asset_id: ASSET })).status).toBe(202);
    expect(sim.calls().map(c => [c.route, c.status, c.fault])).toEqual([
      ['create', 503, '503'],
      ['create', 202, undefined],
    ]);
  });

  it("keeps a fault queued for one asset's create until that create comes", async () => {
    sim.queueFault({ kind: '503', route: 'create', assetId: OTHER_ASSET });
    expect((await create(sim, { asset_id: ASSET })).status).toBe(202);
    expect((await create(sim, { asset_id: OTHER_ASSET })).status).toBe(503);
    expect((await create(sim, { asset_id: OTHER_ASSET })).status).toBe(202);
    expect(sim.calls().map(c => [c.status, c.fault])).toEqual([
      [202, undefined],
      [503, '503'],
      [202, undefined],
    ]);
  });

  it('refuses a fault for one asset on a route that names none', () => {
    expect(() =>
      sim.queueFault({ kind: '503', route: 'query', assetId: ASSET }),
    ).toThrow(/assetId goes with route create/);
    expect(() => sim.queueFault({ kind: '503', assetId: '' })).toThrow();
  });

  it('plays a timeout: the create is made, and its answer comes after timeoutMs', async () => {
    sim.setFaults({ timeoutMs: 400 });
    sim.queueFault({ kind: 'timeout', route: 'create' });
    const started = Date.now();
    const answered = await create(sim, { asset_id: ASSET });
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(answered.status).toBe(202);
    expect(sim.calls().map(c => [c.route, c.status, c.fault])).toEqual([
      ['create', 202, 'timeout'],
    ]);
  });

  it('serves its admin API over HTTP', async () => {
    await create(sim, { asset_id: ASSET });
    const calls = await (await fetch(`${sim.url}/admin/calls`)).json();
    expect(calls.calls).toHaveLength(1);
    const faults = await fetch(`${sim.url}/admin/faults`, {
      method: 'PUT',
      body: JSON.stringify({ rate5xx: 2 }),
    });
    expect(faults.status).toBe(400);
    await fetch(`${sim.url}/admin/reset`, { method: 'POST' });
    expect(
      (await (await fetch(`${sim.url}/admin/calls`)).json()).calls,
    ).toEqual([]);
  });
});
