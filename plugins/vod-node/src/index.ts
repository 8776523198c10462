/**
 * Backend library of the vod plugin: `vodPrefetchServiceRef`, so other backend plugins (the
 * scaffolder module, yours) prefetch through the vod backend on behalf of a user.
 *
 * @packageDocumentation
 */

export { vodPrefetchServiceRef } from './vodPrefetchServiceRef';
export type { VodPrefetchService } from './vodPrefetchServiceRef';
