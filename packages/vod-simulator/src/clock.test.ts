import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner';
import { startVodSimulator, VodSimulator } from './server';

// The simulator's clock as a client sees it: every answer dated by it, and a signature dated too
// far from it refused the way API Gateway refuses one.

const PROJECT = '0123456789abcdef0123456789abcdef';
const AK = 'QTWAOYTTINDUT2QVKYUC';
const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';
const ASSET = 'f488337c31c8e4622f1590735b134c65';
const NOW = Date.parse('2026-11-25T10:00:00Z');
const MINUTE = 60_000;

/** A create signed by the official SDK signer, dated `signedAt`. */
async function createSignedAt(sim: VodSimulator, signedAt: number) {
  const url = `${sim.url}/v1.0/${PROJECT}/asset/preheating`;
  const body = { asset_id: ASSET };
  const headers: Record<string, string> = {
    'X-Project-Id': PROJECT,
    'Content-Type': 'application/json',
    'X-Sdk-Date': new Date(signedAt)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, ''),
  };
  const signed = AKSKSigner.sign(
    {
      method: 'POST',
      endpoint: url,
      headers,
      queryParams: {},
      data: body,
    } as any,
    { getAk: () => AK, getSk: () => SK } as any,
  ) as Record<string, string>;
  const { host, ...sent } = signed;
  const res = await fetch(url, {
    method: 'POST',
    headers: sent,
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    date: res.headers.get('date'),
    body: await res.json(),
  };
}

describe('the VOD simulator clock', () => {
  let sim: VodSimulator;
  beforeEach(async () => {
    sim = await startVodSimulator({
      accounts: [{ projectId: PROJECT, accessKeyId: AK, secretAccessKey: SK }],
      assets: { [ASSET]: {} },
      now: () => NOW,
    });
  });
  afterEach(() => sim.close());

  it('dates every answer by its own clock, not the machine’s', async () => {
    const accepted = await createSignedAt(sim, NOW);
    expect(accepted.status).toBe(202);
    expect(accepted.date).toBe('Wed, 25 Nov 2026 10:00:00 GMT');

    sim.advance(20 * MINUTE);
    const unknown = await fetch(`${sim.url}/v1.0/${PROJECT}/elsewhere`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('date')).toBe('Wed, 25 Nov 2026 10:20:00 GMT');
    const admin = await fetch(`${sim.url}/admin/calls`);
    expect(admin.headers.get('date')).toBe('Wed, 25 Nov 2026 10:20:00 GMT');
  });

  it.each([
    ['late', -20],
    ['early', +20],
  ])(
    'refuses a signature 20 minutes %s as API Gateway does (401 APIGW.0301, signature expired), creating nothing',
    async (_, minutes) => {
      const refused = await createSignedAt(sim, NOW + minutes * MINUTE);
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual({
        error_code: 'APIGW.0301',
        error_msg:
          'Incorrect IAM authentication information: calc ak sk signature fail:signature expired',
      });
      expect(Date.parse(refused.date!)).toBe(NOW);
      expect(sim.calls()).toMatchObject([
        { route: 'create', status: 401, errorCode: 'APIGW.0301' },
      ]);
      expect(sim.calls()[0].taskId).toBeUndefined();
      const { tasks } = await (await fetch(`${sim.url}/admin/tasks`)).json();
      expect(tasks).toEqual([]);
    },
  );

  it('accepts a signature up to maxClockSkewMs away, either way', async () => {
    await sim.close();
    sim = await startVodSimulator({
      accounts: [{ projectId: PROJECT, accessKeyId: AK, secretAccessKey: SK }],
      assets: { [ASSET]: {} },
      now: () => NOW,
      maxClockSkewMs: MINUTE,
    });
    expect((await createSignedAt(sim, NOW - MINUTE)).status).toBe(202);
    expect((await createSignedAt(sim, NOW + MINUTE)).status).toBe(202);
    expect((await createSignedAt(sim, NOW - MINUTE - 1000)).status).toBe(401);
    expect((await createSignedAt(sim, NOW + MINUTE + 1000)).status).toBe(401);
  });
});
