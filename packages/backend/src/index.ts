// The demo portal's backend: stock Backstage plugins plus the vod plugin and its scaffolder module.

import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-proxy-backend'));

// scaffolder plugin
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(
  import('@backstage/plugin-scaffolder-backend-module-notifications'),
);

// auth plugin
backend.add(import('@backstage/plugin-auth-backend'));
// See https://backstage.io/docs/backend-system/building-backends/migrating#the-auth-plugin
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
// See https://backstage.io/docs/auth/guest/provider

// catalog plugin
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);

// See https://backstage.io/docs/features/software-catalog/configuration#subscribing-to-catalog-errors
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));

// permission plugin, with the demo's policy: reading is open, an entity is prefetched by its
// owners, and what belongs to no entity by the media-platform group (src/modules/vodDemoPolicy.ts)
backend.add(import('@backstage/plugin-permission-backend'));
backend.add(import('./modules/vodDemoPolicy'));

// search plugin
backend.add(import('@backstage/plugin-search-backend'));

// search engine
// See https://backstage.io/docs/features/search/search-engines
backend.add(import('@backstage/plugin-search-backend-module-pg'));

// search collators
backend.add(import('@backstage/plugin-search-backend-module-catalog'));

// user settings plugin
backend.add(import('@backstage/plugin-user-settings-backend'));

// events bus (catalog, signals and notifications subscribe to it)
backend.add(import('@backstage/plugin-events-backend'));

// notifications and signals plugins
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

// MCP clients reach the actions registry's actions (the vod ones: backend.actions.pluginSources)
backend.add(import('@backstage/plugin-mcp-actions-backend'));

// VOD CDN prefetch
backend.add(import('@mediaops/backstage-plugin-vod-backend'));
backend.add(import('@mediaops/backstage-plugin-scaffolder-backend-module-vod'));

backend.start();
