import {
  BackstageCredentials,
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import type { ListPrefetchesQuery } from '@mediaops/backstage-plugin-vod-common';
import { vodPrefetchServiceRef } from '@mediaops/backstage-plugin-vod-node';
import { Request, Response, Router } from 'express';

/**
 * Another backend plugin (`relay`, at /api/relay) that prefetches and reads through vod-node's
 * `vodPrefetchServiceRef`, on behalf of the user calling it, and answers with what it got (its
 * error handler passes the vod plugin's refusals on).
 */
export const relayPlugin = createBackendPlugin({
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
        /** A route that acts as the calling user and answers with what `run` returns. */
        const asUser =
          (
            run: (
              req: Request,
              credentials: BackstageCredentials,
            ) => Promise<unknown>,
          ) =>
          async (req: Request, res: Response, next: (e: unknown) => void) => {
            try {
              const credentials = await httpAuth.credentials(req, {
                allow: ['user'],
              });
              res.json(await run(req, credentials));
            } catch (error) {
              next(error);
            }
          };
        router.post(
          '/prefetch/:name',
          asUser((req, credentials) =>
            vod.createPrefetch(
              { entityRef: `resource:default/${req.params.name}` },
              { credentials },
            ),
          ),
        );
        // Follows a prefetch for ?timeoutMs, or until the caller hangs up.
        router.post(
          '/wait/:id',
          asUser(async (req, credentials) => {
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
            return {
              outcome,
              status: prefetch.status,
              seen,
              ms: Date.now() - start,
            };
          }),
        );
        router.get(
          '/prefetch/:id',
          asUser((req, credentials) =>
            vod.getPrefetch(req.params.id, { credentials }),
          ),
        );
        router.get(
          '/prefetches',
          asUser((req, credentials) => {
            const { limit, ...filters } = req.query as Record<string, string>;
            const query: ListPrefetchesQuery = {
              ...filters,
              ...(limit && { limit: Number(limit) }),
            };
            return vod.listPrefetches(query, { credentials });
          }),
        );
        httpRouter.use(router);
      },
    });
  },
});
