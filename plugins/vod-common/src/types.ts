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

/** Body of VOD's create call, as sent. */
export type VodCreatePrefetchRequest = z.input<
  typeof vodCreatePrefetchRequestSchema
>;
/** VOD's 202 answer: `{ task_id }`. */
export type VodCreatePrefetchResponse = z.output<
  typeof vodCreatePrefetchResponseSchema
>;
/** VOD's error body: `{ error_code, error_msg }`. */
export type VodError = z.output<typeof vodErrorSchema>;
/** `processing`, `succeed` or `failed`, lower-cased. */
export type VodUrlStatus = z.output<typeof vodUrlStatusSchema>;
/** VOD's answer to the task query. */
export type VodQueryPrefetchResponse = z.output<
  typeof vodQueryPrefetchResponseSchema
>;

/** The lifecycle of one prefetch. */
export type PrefetchStatus = z.output<typeof prefetchStatusSchema>;
/** Body of `POST /api/vod/prefetches`, as a caller sends it. */
export type CreatePrefetchRequest = z.input<typeof createPrefetchRequestSchema>;
/** The result VOD reported for one URL. */
export type PrefetchUrlResult = z.output<typeof prefetchUrlResultSchema>;
/** One VOD call made for a prefetch. */
export type PrefetchTask = z.output<typeof prefetchTaskSchema>;
/** A recorded prefetch. */
export type Prefetch = z.output<typeof prefetchSchema>;
/** A page of prefetches. */
export type PrefetchList = z.output<typeof prefetchListSchema>;
/** One account's quota day. */
export type Quota = z.output<typeof quotaSchema>;
/** A configured account, without its credentials. */
export type AccountSummary = z.output<typeof accountSummarySchema>;
/** What a create would do (`?dryRun=true`). */
export type PrefetchPlan = z.output<typeof prefetchPlanSchema>;
