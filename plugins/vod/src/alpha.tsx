import { convertLegacyRouteRef } from '@backstage/core-compat-api';
import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import {
  isVodMediaEntity,
  VodApiClient,
} from '@mediaops/backstage-plugin-vod-common';
import { RiCloudLine } from '@remixicon/react';
import { vodApiRef } from './api';
import { rootRouteRef } from './routes';

/** The vod backend's API, on the portal's discovery and fetch APIs. @alpha */
export const vodApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: vodApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new VodApiClient({ discoveryApi, fetchApi }),
    }),
});

/** The Prefetch to CDN card, on entities with a `vod.huaweicloud.com/asset-id`. @alpha */
export const vodEntityCard = EntityCardBlueprint.make({
  name: 'prefetch',
  params: {
    filter: isVodMediaEntity,
    loader: () =>
      import('./components/EntityVodPrefetchCard').then(m => (
        <m.EntityVodPrefetchCard />
      )),
  },
});

/** The prefetch page, `/vod`, with its nav item. @alpha */
export const vodPage = PageBlueprint.make({
  params: {
    path: '/vod',
    title: 'CDN prefetch',
    icon: <RiCloudLine />,
    routeRef: convertLegacyRouteRef(rootRouteRef),
    loader: () =>
      import('./components/VodPrefetchPage').then(m => <m.VodPrefetchPage />),
  },
});

/**
 * The vod frontend plugin for the new frontend system: the API, the entity card and the page.
 *
 * @alpha
 */
export default createFrontendPlugin({
  pluginId: 'vod',
  info: { packageJson: () => import('../package.json') },
  routes: { root: convertLegacyRouteRef(rootRouteRef) },
  extensions: [vodApi, vodEntityCard, vodPage],
});
