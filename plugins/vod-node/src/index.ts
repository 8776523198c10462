/**
 * Backend library of the vod plugin: `vodPrefetchServiceRef`, so other backend plugins can
 * prefetch through the vod backend on behalf of a user. Not implemented yet; see README.md.
 *
 * @packageDocumentation
 */

export {};
