/**
 * The vod module for the scaffolder backend: the `vod:preheat` action, which prefetches a media
 * asset into the CDN through the vod backend as the user who runs the template.
 *
 * @packageDocumentation
 */

export { scaffolderModuleVod as default } from './module';
export { createVodPreheatAction } from './actions/preheat';
export type { VodPreheatInput, VodPreheatOutput } from './actions/preheat';
