import type { AuthService } from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  getVodAssetId,
  VOD_ASSET_ID_ANNOTATION,
} from '@mediaops/backstage-plugin-vod-common';
import { TtlCache } from './TtlCache';

const FIELDS = [
  'kind',
  'metadata.name',
  'metadata.namespace',
  'metadata.annotations',
];

/**
 * What the plugin needs from the catalog (an entity's name and annotations), read as the plugin
 * itself and reused for `ttlMs` (config `vod.cacheTtl`): whether the caller may see the entity is
 * a permission decision, asked separately (see PrefetchService). Concurrent lookups of one entity
 * share one request.
 */
export class CatalogLookup {
  private readonly byRef: TtlCache<Entity | undefined>;
  private readonly byAsset: TtlCache<string | undefined>;

  constructor(
    private readonly catalog: CatalogService,
    private readonly auth: AuthService,
    ttlMs: number,
    now?: () => number,
  ) {
    this.byRef = new TtlCache(ttlMs, now);
    this.byAsset = new TtlCache(ttlMs, now);
  }

  /**
   * The entity a full, lower-case `ref` names (kind, name, namespace and annotations only), if
   * there is one.
   */
  entity(ref: string): Promise<Entity | undefined> {
    return this.byRef.get(ref, async () => {
      const { items } = await this.catalog.getEntitiesByRefs(
        { entityRefs: [ref], fields: FIELDS },
        { credentials: await this.auth.getOwnServiceCredentials() },
      );
      return items[0] ?? undefined;
    });
  }

  /** The ref of an entity whose annotation names this asset, if any. */
  entityRefNamingAsset(assetId: string): Promise<string | undefined> {
    return this.byAsset.get(assetId, async () => {
      const { items } = await this.catalog.getEntities(
        {
          filter: {
            [`metadata.annotations.${VOD_ASSET_ID_ANNOTATION}`]: assetId,
          },
          fields: FIELDS,
        },
        { credentials: await this.auth.getOwnServiceCredentials() },
      );
      const named = items.filter(e => getVodAssetId(e) === assetId);
      return named.length ? stringifyEntityRef(named[0]) : undefined;
    });
  }
}
