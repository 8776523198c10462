import { BACKEND_URL, guestToken } from './browser';

// The demo portal's backend, signed in as the guest, prefetching through the vod API into the
// VOD simulator that ./dev start runs: the whole chain without a browser page.

async function api(path: string, token: string, init: RequestInit = {}) {
  const res = await fetch(`${BACKEND_URL}/api/vod${path}`, {
    ...init,
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      ...init.headers,
    },
  });
  return { status: res.status, body: await res.json() };
}

describe('demo portal prefetch API', () => {
  it('prefetches a demo entity into the simulator and follows it to the end', async () => {
    const token = await guestToken();
    const created = await api('/prefetches', token, {
      method: 'POST',
      body: JSON.stringify({
        entityRef: 'resource:default/winter-launch-trailer-2026',
      }),
    });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({
      createdBy: 'user:default/guest',
      status: 'pending',
    });

    const deadline = Date.now() + 60_000;
    let prefetch = created.body;
    while (
      !['succeeded', 'failed', 'partially_failed'].includes(prefetch.status) &&
      Date.now() < deadline
    ) {
      await new Promise(resolve => setTimeout(resolve, 1000));
      prefetch = (await api(`/prefetches/${created.body.id}`, token)).body;
    }
    expect(prefetch.status).toBe('succeeded');
    expect(prefetch.tasks[0].results).toHaveLength(3);
  });

  // The two example requests of VOD's API page, byte for byte, against the portal's seed route.
  it.each([
    [
      'asset',
      `{
  "asset_id": "f488337c31c8e4622f1590735b134c65"
}`,
    ],
    [
      'URL',
      '{  "urls": [    "    https://example.com/asset/9db42f5e08c15edecd99a98da241994a/313bfd52a75f95ff48e8bf02eca2ab20.flv",    "    https://example.com/asset/9e455adb02295aa123809e8dc7ca51c1/68b1241af3bf58bcde9914626e07f5af.mp4",    "    https://example.com/asset/9e455adb02295aa123809e8dc7ca51c1/play_video/68b1241af3bf58bcde9914626e07f5af_H.264_480X270_HEAACV1_300.mp4"  ]}',
    ],
  ])("takes the seed's %s example verbatim", async (_kind, body) => {
    const token = await guestToken();
    const projectId = (await api('/accounts', token)).body[0].projectId;
    const created = await api(`/v1.0/${projectId}/asset/preheating`, token, {
      method: 'POST',
      body,
    });
    expect(created.status).toBe(202);
    expect(created.body).toEqual({ task_id: expect.any(String) });
    const query = await api(
      `/v1.0/${projectId}/asset/preheating?task_id=${created.body.task_id}`,
      token,
    );
    expect(query.status).toBe(200);
    expect(query.body.preheating_results.length).toBeGreaterThan(0);
  });

  it('refuses a request without a token', async () => {
    const res = await fetch(`${BACKEND_URL}/api/vod/prefetches`);
    expect(res.status).toBe(401);
  });
});
