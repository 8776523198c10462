import type { PrefetchStatus } from './types';

/**
 * The signal channel that says only that some prefetch changed: anyone signed in may subscribe
 * to any channel. An entity's channel, whose signals name its prefetches, is handed out by
 * `GET /prefetches?entityRef=…` (`channel`) to those who may read them, and cannot be guessed.
 *
 * @public
 */
export const VOD_PREFETCHES_CHANNEL = 'vod:prefetches';

/**
 * What a signal on a vod channel says. On an entity's channel: which of its prefetches changed,
 * and to which state. On `VOD_PREFETCHES_CHANNEL`: nothing more than that something changed.
 *
 * @public
 */
export interface VodPrefetchSignal {
  /** On an entity's channel: its prefetches that changed, with their new state. */
  prefetches?: Array<{ id: string; status: PrefetchStatus }>;
}
