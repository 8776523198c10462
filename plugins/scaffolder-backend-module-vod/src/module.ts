import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { vodPrefetchServiceRef } from '@mediaops/backstage-plugin-vod-node';
import { createVodPreheatAction } from './actions/preheat';

/**
 * Adds `vod:preheat` to the scaffolder: it prefetches through the vod backend as the user who
 * started the task.
 *
 * @public
 */
export const scaffolderModuleVod = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'vod',
  register({ registerInit }) {
    registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        vod: vodPrefetchServiceRef,
        config: coreServices.rootConfig,
      },
      async init({ scaffolder, vod, config }) {
        scaffolder.addActions(
          createVodPreheatAction({
            vod,
            appBaseUrl: config.getString('app.baseUrl'),
          }),
        );
      },
    });
  },
});
