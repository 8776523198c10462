// What the demo portal's backend is made of: stock Backstage plugins, then the vod plugins.
// (bench/footprint starts the same backend with and without the latter.)

/** The stock portal: everything but the vod plugins. */
export const portalFeatures = () => [
  import('@backstage/plugin-app-backend'),
  import('@backstage/plugin-proxy-backend'),

  // scaffolder plugin
  import('@backstage/plugin-scaffolder-backend'),
  import('@backstage/plugin-scaffolder-backend-module-notifications'),

  // auth plugin, with the guest provider (https://backstage.io/docs/auth/guest/provider)
  import('@backstage/plugin-auth-backend'),
  import('@backstage/plugin-auth-backend-module-guest-provider'),

  // catalog plugin; see https://backstage.io/docs/features/software-catalog/configuration#subscribing-to-catalog-errors
  import('@backstage/plugin-catalog-backend'),
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
  import('@backstage/plugin-catalog-backend-module-logs'),

  // permission plugin, with the demo's policy: reading is open, an entity is prefetched by its
  // owners, and what belongs to no entity by the media-platform group (modules/vodDemoPolicy.ts)
  import('@backstage/plugin-permission-backend'),
  import('./modules/vodDemoPolicy'),

  // search plugin, its engine (https://backstage.io/docs/features/search/search-engines) and
  // collators
  import('@backstage/plugin-search-backend'),
  import('@backstage/plugin-search-backend-module-pg'),
  import('@backstage/plugin-search-backend-module-catalog'),

  // user settings plugin
  import('@backstage/plugin-user-settings-backend'),

  // events bus (catalog, signals and notifications subscribe to it)
  import('@backstage/plugin-events-backend'),

  // notifications and signals plugins
  import('@backstage/plugin-notifications-backend'),
  import('@backstage/plugin-signals-backend'),

  // MCP clients reach the actions registry's actions (the vod ones: backend.actions.pluginSources)
  import('@backstage/plugin-mcp-actions-backend'),
];

/** VOD CDN prefetch. */
export const vodFeatures = () => [
  import('@mediaops/backstage-plugin-vod-backend'),
  import('@mediaops/backstage-plugin-scaffolder-backend-module-vod'),
];
