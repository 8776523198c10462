/**
 * The HTTP implementation of `VodPrefetchService` that `vodPrefetchServiceRef` provides, for
 * tools and benchmarks that call the vod backend without a backend of their own. Not yet a stable
 * API: it may change in any release.
 *
 * @packageDocumentation
 */

export { HttpVodPrefetchService } from './vodPrefetchServiceRef';
export type { VodPrefetchService } from './vodPrefetchServiceRef';
