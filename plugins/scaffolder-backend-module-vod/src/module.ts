import { createBackendModule } from '@backstage/backend-plugin-api';

/**
 * Adds the vod actions to the scaffolder. It is installed in the demo backend already, but adds
 * no action yet: `vod:preheat` arrives with its own issue.
 *
 * @public
 */
export const scaffolderModuleVod = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'vod',
  register({ registerInit }) {
    registerInit({
      deps: {},
      async init() {
        // `vod:preheat` will be added here through scaffolderActionsExtensionPoint.
      },
    });
  },
});
