import { VodApiClient } from './VodApiClient';

function client(respond: (url: string, init: RequestInit) => Response) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const api = new VodApiClient({
    discoveryApi: { getBaseUrl: async id => `http://backend/api/${id}` },
    fetchApi: {
      fetch: (async (url: string, init: RequestInit) => {
        calls.push({ url, init });
        return respond(url, init);
      }) as typeof fetch,
    },
  });
  return { api, calls };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });

describe('VodApiClient', () => {
  it('posts a prefetch with the token and Idempotency-Key', async () => {
    const { api, calls } = client(() => json(202, { id: 'p1' }));
    await api.createPrefetch(
      { entityRef: 'resource:default/a' },
      { token: 't', idempotencyKey: 'k' },
    );
    expect(calls[0].url).toBe('http://backend/api/vod/prefetches');
    expect(calls[0].init).toMatchObject({
      method: 'POST',
      body: '{"entityRef":"resource:default/a"}',
      headers: {
        Authorization: 'Bearer t',
        'Idempotency-Key': 'k',
        'Content-Type': 'application/json',
      },
    });
  });

  it('asks for a dry run, and for a waiting read with an abort signal', async () => {
    const { api, calls } = client(() => json(200, { dryRun: true }));
    await api.planPrefetch({ assetId: 'x' }, { token: 't' });
    const controller = new AbortController();
    await api.getPrefetch('p1', {
      changedFrom: 'processing:1:0:3',
      timeoutSeconds: 20,
      signal: controller.signal,
    });
    await api.getPrefetch('p1');
    expect(calls.map(c => [c.url, c.init.method])).toEqual([
      ['http://backend/api/vod/prefetches?dryRun=true', 'POST'],
      [
        'http://backend/api/vod/prefetches/p1?changedFrom=processing%3A1%3A0%3A3&timeoutSeconds=20',
        'GET',
      ],
      ['http://backend/api/vod/prefetches/p1', 'GET'],
    ]);
    expect(calls[1].init.signal).toBe(controller.signal);
  });

  it('encodes list filters', async () => {
    const { api, calls } = client(() => json(200, { items: [] }));
    await api.listPrefetches({
      entityRef: 'resource:default/a b',
      limit: 5,
      status: undefined,
    });
    expect(calls[0].url).toBe(
      'http://backend/api/vod/prefetches?entityRef=resource%3Adefault%2Fa+b&limit=5',
    );
  });

  it("asks an entity's quota by its entity, an account's by its name", async () => {
    const { api, calls } = client(() => json(200, {}));
    await api.getQuota({ entityRef: 'resource:default/a' });
    await api.getQuota({ account: 'main' });
    await api.getQuota();
    expect(calls.map(c => c.url)).toEqual([
      'http://backend/api/vod/quota?entityRef=resource%3Adefault%2Fa',
      'http://backend/api/vod/quota?account=main',
      'http://backend/api/vod/quota',
    ]);
  });

  it("throws the backend's message with the status", async () => {
    const { api } = client(() =>
      json(400, {
        error: {
          name: 'InputError',
          message: 'urls.0: must be an absolute http(s) URL',
        },
        response: { statusCode: 400 },
      }),
    );
    await expect(api.createPrefetch({ urls: ['x'] })).rejects.toThrow(
      'Request failed with 400 : urls.0: must be an absolute http(s) URL',
    );
  });
});
