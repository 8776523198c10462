import { BACKEND_URL } from './browser';

// The demo portal's backend, signed in as the guest, prefetching through the vod API into the
// VOD simulator that ./dev start runs: the whole chain without a browser page.

async function guestToken(): Promise<string> {
  const res = await fetch(
    `${BACKEND_URL}/api/auth/guest/refresh?optional&env=development`,
    {
      headers: { 'X-Requested-With': 'XMLHttpRequest' },
    },
  );
  expect(res.status).toBe(200);
  return (await res.json()).backstageIdentity.token;
}

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

  it('refuses a request without a token', async () => {
    const res = await fetch(`${BACKEND_URL}/api/vod/prefetches`);
    expect(res.status).toBe(401);
  });
});
