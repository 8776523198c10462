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
