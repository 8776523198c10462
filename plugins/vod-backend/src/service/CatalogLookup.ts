import type { AuthService } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import {
  getVodAssetId,
  VOD_ASSET_ID_ANNOTATION,
} from '@mediaops/backstage-plugin-vod-common';
import { BatchLoader } from './BatchLoader';
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
 * a permission decision, asked separately (see PrefetchAccess). Concurrent lookups of one entity
 * share one request, and lookups of different ones made while one is under way go together in the
 * next (BatchLoader); one that takes longer than `timeoutMs` fails with 503.
 */
export class CatalogLookup {
  private readonly byRef: TtlCache<Entity | undefined>;
  private readonly byAsset: TtlCache<Entity[]>;

  constructor(
    private readonly catalog: CatalogService,
    private readonly auth: AuthService,
    options: { ttlMs: number; timeoutMs?: number; now?: () => number },
  ) {
    const cache = <V>() =>
      new TtlCache<V>({
        ttlMs: options.ttlMs,
        loadTimeoutMs: options.timeoutMs,
        source: 'the catalog',
        now: options.now,
      });
    this.byRef = cache();
    this.byAsset = cache();
  }

  /**
   * The entity a full, lower-case `ref` names (kind, name, namespace and annotations only), if
   * there is one.
   */
  entity(ref: string): Promise<Entity | undefined> {
    return this.byRef.get(ref, () => this.entities.load(ref));
  }

  /** The entities whose annotation names this asset (normally one, or none). */
  entitiesNamingAsset(assetId: string): Promise<Entity[]> {
    return this.byAsset.get(assetId, () => this.namingAssets.load(assetId));
  }

  /** Entities by ref, those asked for together in one query. */
  private readonly entities = new BatchLoader<string, Entity | undefined>(
    async refs => {
      const { items } = await this.catalog.getEntitiesByRefs(
        { entityRefs: refs, fields: FIELDS },
        { credentials: await this.auth.getOwnServiceCredentials() },
      );
      return new Map(refs.map((ref, i) => [ref, items[i] ?? undefined]));
    },
  );

  /** Entities naming assets, those asked for together in one query. */
  private readonly namingAssets = new BatchLoader<string, Entity[]>(
    async assetIds => {
      const { items } = await this.catalog.getEntities(
        {
          filter: {
            [`metadata.annotations.${VOD_ASSET_ID_ANNOTATION}`]: assetIds,
          },
          fields: FIELDS,
        },
        { credentials: await this.auth.getOwnServiceCredentials() },
      );
      return new Map(
        assetIds.map(id => [id, items.filter(e => getVodAssetId(e) === id)]),
      );
    },
  );
}
