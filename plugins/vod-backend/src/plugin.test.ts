import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import request from 'supertest';
import vodPlugin from '.';

/** A backend whose requests carry no credentials unless a test adds a token. */
async function startAnonymousBackend() {
  const { server } = await startTestBackend({
    features: [
      vodPlugin,
      mockServices.httpAuth.factory({
        defaultCredentials: mockCredentials.none(),
      }),
    ],
  });
  return server;
}

describe('vod backend plugin', () => {
  it('answers GET /api/vod/health without any credentials', async () => {
    const server = await startAnonymousBackend();

    const res = await request(server).get('/api/vod/health');

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('refuses every other path to an anonymous caller with 401', async () => {
    const server = await startAnonymousBackend();

    const res = await request(server).get('/api/vod/prefetches');

    expect(res.status).toBe(401);
  });

  it('lets a user through the auth barrier to the router', async () => {
    const server = await startAnonymousBackend();

    const res = await request(server)
      .get('/api/vod/no-such-route')
      .set('Authorization', mockCredentials.user.header());

    expect(res.status).toBe(404);
  });
});
