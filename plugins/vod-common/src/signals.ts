import type { PrefetchStatus } from './types';

/**
 * The signal channel of every prefetch's state changes. Anyone signed in may subscribe to any
 * channel, so a signal carries ids and states only: a reader fetches the prefetch through the
 * permission-checked API.
 */
export const VOD_PREFETCHES_CHANNEL = 'vod:prefetches';

/** The signal channel of the state changes of one entity's prefetches. */
export function vodEntityChannel(entityRef: string): string {
  return `${VOD_PREFETCHES_CHANNEL}:${entityRef.toLowerCase()}`;
}

/** What a signal on a vod channel says: which prefetches changed, and to which state. */
export interface VodPrefetchSignal {
  prefetches: Array<{ id: string; status: PrefetchStatus }>;
}
