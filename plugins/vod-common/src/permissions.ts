import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';
import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Prefetch the media asset of one catalog entity (by its annotation) into the CDN.
 *
 * A resource permission on catalog entities, so a policy can allow it for the entity's owners
 * only. A denied user sees the Prefetch button disabled and gets 403 from the API. A raw asset id
 * that some entity's annotation names is judged by this permission on that entity.
 *
 * @public
 */
export const vodPrefetchCreatePermission = createPermission({
  name: 'vod.prefetch.create',
  attributes: { action: 'create' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Prefetch something tied to no catalog entity: a raw asset id that no entity names, a list of
 * streaming URLs, or any call through the seed-compatible `/v1.0/{project_id}/asset/preheating`
 * route. Denied users can still prefetch the entities they are allowed to.
 *
 * @public
 */
export const vodPrefetchAdhocCreatePermission = createPermission({
  name: 'vod.prefetch.adhoc.create',
  attributes: { action: 'create' },
});

/**
 * See the prefetches of one catalog entity: its history, task results and per-URL progress. A
 * resource permission on catalog entities, so a policy can show a card's history to the entity's
 * owners only. Prefetches of entities the reader may not see (`catalog.entity.read`) are never
 * shown, whatever this permission says. Held for some entities (or conditionally), it also shows
 * the accounts and their quota.
 *
 * @public
 */
export const vodPrefetchReadPermission = createPermission({
  name: 'vod.prefetch.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * See every prefetch tied to no catalog entity (raw asset ids and URL lists), and the accounts
 * and their quota. Without it a user still sees the ones they started themselves.
 *
 * @public
 */
export const vodPrefetchAdhocReadPermission = createPermission({
  name: 'vod.prefetch.adhoc.read',
  attributes: { action: 'read' },
});

/**
 * Every permission of the vod plugins, for registration with the permissions registry.
 *
 * @public
 */
export const vodPermissions = [
  vodPrefetchCreatePermission,
  vodPrefetchAdhocCreatePermission,
  vodPrefetchReadPermission,
  vodPrefetchAdhocReadPermission,
];
