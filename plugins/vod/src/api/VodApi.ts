import { createApiRef } from '@backstage/frontend-plugin-api';
import type { VodApiClient } from '@mediaops/backstage-plugin-vod-common';

/**
 * The vod backend's API as the frontend uses it: vod-common's client, on the portal's discovery
 * and fetch APIs (the fetch API adds the user's token). Failures throw `ResponseError`.
 *
 * @public
 */
export type VodApi = Pick<
  VodApiClient,
  | 'createPrefetch'
  | 'getPrefetch'
  | 'listPrefetches'
  | 'getQuota'
  | 'getAccounts'
>;

/**
 * The vod backend's API in the frontend (a `VodApiClient` with the app's discovery and fetch).
 *
 * @public
 */
export const vodApiRef = createApiRef<VodApi>().with({
  id: 'plugin.vod',
  pluginId: 'vod',
});
