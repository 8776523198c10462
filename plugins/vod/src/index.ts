/**
 * Huawei Cloud VOD CDN prefetch in Backstage: the Prefetch to CDN card on media entities and the
 * prefetch page. This entry serves the legacy frontend system; `/alpha` the new one.
 *
 * @packageDocumentation
 */

import type { Entity } from '@backstage/catalog-model';
import { isVodMediaEntity } from '@mediaops/backstage-plugin-vod-common';

export { vodPlugin, VodPrefetchPage, EntityVodPrefetchCard } from './plugin';
export { vodApiRef } from './api';
export type { VodApi } from './api';
export { rootRouteRef } from './routes';
export { vodTranslationRef } from './translation';

/**
 * Whether the card belongs on an entity's page: it names a VOD asset
 * (`vod.huaweicloud.com/asset-id`, 32 hexadecimal characters). For the legacy entity page's
 * `EntitySwitch`.
 *
 * @public
 */
export function isVodPrefetchAvailable(entity: Entity): boolean {
  return isVodMediaEntity(entity);
}
