import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  AuthorizeResult,
  isPermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import type {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  vodPrefetchAdhocCreatePermission,
  vodPrefetchCreatePermission,
} from '@mediaops/backstage-plugin-vod-common';

/** The group whose members may prefetch what belongs to no entity (raw asset ids, URL lists). */
export const VOD_PLATFORM_GROUP = 'group:default/media-platform';

/**
 * The demo portal's policy, small enough to read at a glance: reading is open; an entity is
 * prefetched by its owners (the catalog's own `IS_ENTITY_OWNER` rule, applied by the catalog
 * through the permission backend); what belongs to no entity, by the platform group.
 */
export class VodDemoPolicy implements PermissionPolicy {
  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const claims = user?.info.ownershipEntityRefs ?? [];
    if (isPermission(request.permission, vodPrefetchCreatePermission)) {
      return createCatalogConditionalDecision(
        request.permission,
        catalogConditions.isEntityOwner({ claims }),
      );
    }
    if (isPermission(request.permission, vodPrefetchAdhocCreatePermission)) {
      return {
        result: claims.includes(VOD_PLATFORM_GROUP)
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
      };
    }
    return { result: AuthorizeResult.ALLOW };
  }
}

/** Installs VodDemoPolicy as the permission backend's policy. */
export default createBackendModule({
  pluginId: 'permission',
  moduleId: 'vod-demo-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy(new VodDemoPolicy());
      },
    });
  },
});
