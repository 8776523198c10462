import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { createRouter } from './service/router';

/**
 * The `vod` backend plugin: Huawei Cloud VOD CDN prefetch behind the portal's authentication.
 *
 * @public
 */
export const vodPlugin = createBackendPlugin({
  pluginId: 'vod',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
      },
      async init({ httpRouter }) {
        httpRouter.use(await createRouter());
        // Every route needs a Backstage user or service token, except the liveness probe.
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
