import type { Prefetch, PrefetchStatus } from './types';

/**
 * Whether a prefetch has come to an end: nothing about it changes any more.
 *
 * @public
 */
export function isPrefetchEnded(status: PrefetchStatus): boolean {
  return status !== 'pending' && status !== 'processing';
}

/**
 * What a watcher of a prefetch cares about, as one string: its state and URL progress. Two
 * readings with the same fingerprint show the same thing. `GET /prefetches/:id?changedFrom=`
 * waits for a different one.
 *
 * @public
 */
export function prefetchFingerprint(prefetch: Prefetch): string {
  const p = prefetch.progress;
  return [
    prefetch.status,
    p?.succeeded ?? 0,
    p?.failed ?? 0,
    p?.total ?? 0,
  ].join(':');
}
