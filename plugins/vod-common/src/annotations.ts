import type { Entity } from '@backstage/catalog-model';
import { assetIdSchema } from './schemas';

/**
 * Names the VOD media asset an entity stands for: 32 hexadecimal characters.
 *
 * @public
 */
export const VOD_ASSET_ID_ANNOTATION = 'vod.huaweicloud.com/asset-id';

/**
 * Picks a configured VOD account for the entity; the default account otherwise.
 *
 * @public
 */
export const VOD_ACCOUNT_ANNOTATION = 'vod.huaweicloud.com/account';

/**
 * The entity's VOD asset id, lower-cased, or undefined when the annotation is missing or is not
 * a valid asset id (the card is then not shown, and the backend refuses to prefetch by entity).
 *
 * @public
 */
export function getVodAssetId(entity: Entity): string | undefined {
  const value = entity.metadata.annotations?.[VOD_ASSET_ID_ANNOTATION];
  const parsed = assetIdSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The account the entity asks for, if any.
 *
 * @public
 */
export function getVodAccount(entity: Entity): string | undefined {
  const value = entity.metadata.annotations?.[VOD_ACCOUNT_ANNOTATION]?.trim();
  return value ? value : undefined;
}

/**
 * True when the entity carries a valid VOD asset id, so it can be prefetched.
 *
 * @public
 */
export function isVodMediaEntity(entity: Entity): boolean {
  return getVodAssetId(entity) !== undefined;
}
