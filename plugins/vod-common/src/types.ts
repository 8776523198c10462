import type { z } from 'zod';
import type {
  accountSummarySchema,
  createPrefetchRequestSchema,
  prefetchListSchema,
  prefetchPlanSchema,
  prefetchSchema,
  prefetchStatusSchema,
  prefetchTaskSchema,
  prefetchUrlResultSchema,
  quotaSchema,
  vodCreatePrefetchRequestSchema,
  vodCreatePrefetchResponseSchema,
  vodErrorSchema,
  vodQueryPrefetchResponseSchema,
  vodUrlStatusSchema,
} from './schemas';

// Every type is inferred from its schema, so the two can never drift apart. `input` types are
// what a caller may send (before trimming and lower-casing); the others are the parsed values.

/**
 * Body of VOD's create call, as sent.
 *
 * @public
 */
export type VodCreatePrefetchRequest = z.input<
  typeof vodCreatePrefetchRequestSchema
>;
/**
 * VOD's 202 answer: `{ task_id }`.
 *
 * @public
 */
export type VodCreatePrefetchResponse = z.output<
  typeof vodCreatePrefetchResponseSchema
>;
/**
 * VOD's error body: `{ error_code, error_msg }`.
 *
 * @public
 */
export type VodError = z.output<typeof vodErrorSchema>;
/**
 * `processing`, `succeed` or `failed`, lower-cased.
 *
 * @public
 */
export type VodUrlStatus = z.output<typeof vodUrlStatusSchema>;
/**
 * VOD's answer to the task query.
 *
 * @public
 */
export type VodQueryPrefetchResponse = z.output<
  typeof vodQueryPrefetchResponseSchema
>;

/**
 * The lifecycle of one prefetch.
 *
 * @public
 */
export type PrefetchStatus = z.output<typeof prefetchStatusSchema>;
/**
 * Body of `POST /api/vod/prefetches`, as a caller sends it.
 *
 * @public
 */
export type CreatePrefetchRequest = z.input<typeof createPrefetchRequestSchema>;
/**
 * The result VOD reported for one URL.
 *
 * @public
 */
export type PrefetchUrlResult = z.output<typeof prefetchUrlResultSchema>;
/**
 * One VOD call made for a prefetch.
 *
 * @public
 */
export type PrefetchTask = z.output<typeof prefetchTaskSchema>;
/**
 * A recorded prefetch.
 *
 * @public
 */
export type Prefetch = z.output<typeof prefetchSchema>;
/**
 * A page of prefetches.
 *
 * @public
 */
export type PrefetchList = z.output<typeof prefetchListSchema>;
/**
 * One account's quota day.
 *
 * @public
 */
export type Quota = z.output<typeof quotaSchema>;
/**
 * A configured account, without its credentials.
 *
 * @public
 */
export type AccountSummary = z.output<typeof accountSummarySchema>;
/**
 * What a create would do (`?dryRun=true`).
 *
 * @public
 */
export type PrefetchPlan = z.output<typeof prefetchPlanSchema>;
