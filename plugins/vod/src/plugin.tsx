import { createFrontendPlugin } from '@backstage/frontend-plugin-api';

/**
 * The vod frontend plugin (new frontend system). It has no extensions yet: the entity card and
 * the prefetch page arrive with the frontend issue.
 *
 * @public
 */
export const vodPlugin = createFrontendPlugin({
  pluginId: 'vod',
  info: { packageJson: () => import('../package.json') },
  extensions: [],
});
