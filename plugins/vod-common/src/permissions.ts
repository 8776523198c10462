import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';
import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Prefetch the media asset of one catalog entity (by its annotation) into the CDN.
 *
 * A resource permission on catalog entities, so a policy can allow it for the entity's owners
 * only. A denied user sees the Prefetch button disabled and gets 403 from the API. A raw asset id
 * that some entity's annotation names is judged by this permission on that entity.
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
 */
export const vodPrefetchAdhocCreatePermission = createPermission({
  name: 'vod.prefetch.adhoc.create',
  attributes: { action: 'create' },
});

/**
 * See prefetch history, task results and the remaining quota. Denied users see neither the
 * history nor the quota; the prefetch button still follows the create permissions.
 */
export const vodPrefetchReadPermission = createPermission({
  name: 'vod.prefetch.read',
  attributes: { action: 'read' },
});

/** Every permission of the vod plugins, for registration with the permissions registry. */
export const vodPermissions = [
  vodPrefetchCreatePermission,
  vodPrefetchAdhocCreatePermission,
  vodPrefetchReadPermission,
];
