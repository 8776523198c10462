import {
  createApiFactory,
  createComponentExtension,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { VodApiClient } from '@mediaops/backstage-plugin-vod-common';
import { vodApiRef } from './api';
import { rootRouteRef } from './routes';

/**
 * The vod frontend plugin for the legacy frontend system. (The new one: the default export of
 * `@mediaops/backstage-plugin-vod/alpha`.)
 *
 * @public
 */
export const vodPlugin = createPlugin({
  id: 'vod',
  apis: [
    createApiFactory({
      api: vodApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new VodApiClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: { root: rootRouteRef },
});

/**
 * The prefetch page, for a route such as `<Route path="/vod" element={<VodPrefetchPage />} />`.
 *
 * @public
 */
export const VodPrefetchPage: () => JSX.Element = vodPlugin.provide(
  createRoutableExtension({
    name: 'VodPrefetchPage',
    component: () =>
      import('./components/VodPrefetchPage').then(m => m.VodPrefetchPage),
    mountPoint: rootRouteRef,
  }),
);

/**
 * The Prefetch to CDN card, for entities where `isVodPrefetchAvailable(entity)`.
 *
 * @public
 */
export const EntityVodPrefetchCard: () => JSX.Element = vodPlugin.provide(
  createComponentExtension({
    name: 'EntityVodPrefetchCard',
    component: {
      lazy: () =>
        import('./components/EntityVodPrefetchCard').then(
          m => m.EntityVodPrefetchCard,
        ),
    },
  }),
);
