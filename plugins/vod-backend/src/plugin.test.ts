import { startTestBackend } from '@backstage/backend-test-utils';
import request from 'supertest';
import vodPlugin from '.';

describe('vod backend plugin', () => {
  it('answers GET /api/vod/health without any credentials', async () => {
    const { server } = await startTestBackend({ features: [vodPlugin] });

    const res = await request(server).get('/api/vod/health');

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('refuses an unauthenticated request to any other path', async () => {
    const { server } = await startTestBackend({ features: [vodPlugin] });

    const res = await request(server).get('/api/vod/prefetches');

    expect(res.status).toBe(401);
  });
});
