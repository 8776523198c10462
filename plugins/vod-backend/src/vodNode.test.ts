// vod-node's vodPrefetchServiceRef against the real vod plugin: another backend plugin prefetches
// on behalf of the user it acts for, and the vod plugin's permissions apply to that user.
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { vodPrefetchServiceRef } from '@mediaops/backstage-plugin-vod-node';
import { Router } from 'express';
import { auth, Harness, startHarness, users } from './__testUtils__/harness';

const relayPlugin = createBackendPlugin({
  pluginId: 'relay',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        vod: vodPrefetchServiceRef,
      },
      async init({ httpRouter, httpAuth, vod }) {
        const router = Router();
        router.post('/prefetch/:name', async (req, res, next) => {
          try {
            const credentials = await httpAuth.credentials(req, {
              allow: ['user'],
            });
            const prefetch = await vod.createPrefetch(
              { entityRef: `resource:default/${req.params.name}` },
              { credentials },
            );
            res.json(prefetch);
          } catch (error) {
            next(error);
          }
        });
        // Follows a prefetch for ?timeoutMs, or until the caller hangs up.
        router.post('/wait/:id', async (req, res, next) => {
          try {
            const credentials = await httpAuth.credentials(req, {
              allow: ['user'],
            });
            const controller = new AbortController();
            req.on('close', () => controller.abort());
            const seen: string[] = [];
            const start = Date.now();
            const { prefetch, outcome } = await vod.waitFor(req.params.id, {
              credentials,
              timeoutMs: Number(req.query.timeoutMs ?? 60_000),
              signal: controller.signal,
              onChange: p => seen.push(p.status),
            });
            res.json({
              outcome,
              status: prefetch.status,
              seen,
              ms: Date.now() - start,
            });
          } catch (error) {
            next(error);
          }
        });
        httpRouter.use(router);
      },
    });
  },
});

describe('vodPrefetchServiceRef', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ extraFeatures: [relayPlugin] });
  });
  afterAll(() => h?.stop());

  it('prefetches as the user the calling plugin acts for', async () => {
    const res = await h
      .http()
      .post('/api/relay/prefetch/trailer')
      .set(auth.trailerOwner);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      entityRef: 'resource:default/trailer',
      createdBy: users.trailerOwner,
    });
  });

  it("applies the vod permissions to that user, passing the vod plugin's refusal on", async () => {
    const res = await h
      .http()
      .post('/api/relay/prefetch/documentary')
      .set(auth.trailerOwner);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain('resource:default/documentary');
  });
});

describe('vodPrefetchServiceRef.waitFor', () => {
  const create = async (h: Harness) =>
    (await h.http().post('/api/relay/prefetch/trailer').set(auth.trailerOwner))
      .body;

  it('follows a prefetch to its end, with each state on the way', async () => {
    const h = await startHarness({
      extraFeatures: [relayPlugin],
      processingMs: 1500,
    });
    try {
      const { id } = await create(h);
      const res = await h
        .http()
        .post(`/api/relay/wait/${id}`)
        .set(auth.trailerOwner);
      expect(res.body).toMatchObject({ outcome: 'ended', status: 'succeeded' });
      expect(res.body.seen[res.body.seen.length - 1]).toBe('succeeded');
      expect(res.body.ms).toBeLessThan(6_000);
    } finally {
      await h.stop();
    }
  });

  it('gives up after its timeout and says so, the prefetch going on', async () => {
    const h = await startHarness({
      extraFeatures: [relayPlugin],
      processingMs: 60_000,
    });
    try {
      const { id } = await create(h);
      const res = await h
        .http()
        .post(`/api/relay/wait/${id}?timeoutMs=2000`)
        .set(auth.trailerOwner);
      expect(res.body).toMatchObject({ outcome: 'timeout' });
      expect(['pending', 'processing']).toContain(res.body.status);
      expect(res.body.ms).toBeGreaterThanOrEqual(1_900);
      expect(res.body.ms).toBeLessThan(5_000);
      // A reader without the right is refused, not waited for.
      const denied = await h
        .http()
        .post(`/api/relay/wait/${id}`)
        .set(auth.denied);
      expect(denied.status).toBe(403);
    } finally {
      await h.stop();
    }
  });
});
