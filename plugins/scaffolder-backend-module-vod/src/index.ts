/**
 * The vod module for the scaffolder backend: the `vod:preheat` action (not implemented yet).
 *
 * @packageDocumentation
 */

export { scaffolderModuleVod as default } from './module';
