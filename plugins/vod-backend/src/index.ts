/**
 * The `vod` backend plugin: Huawei Cloud VOD CDN prefetch behind Backstage authentication.
 *
 * @packageDocumentation
 */

export { vodPlugin as default } from './plugin';
