import { z } from 'zod';
import { parseStreamingUrl } from './urls';

/**
 * VOD accepts at most this many streaming URLs in one prefetch call.
 *
 * @public
 */
export const MAX_URLS_PER_VOD_TASK = 10;

/**
 * The longest URL list our own API accepts in one prefetch, before the backend's configured
 * (smaller or equal) maximum applies: a whole day of the tenant's quota.
 *
 * @public
 */
export const MAX_URLS_PER_PREFETCH = 1000;

/**
 * A media asset id as VOD issues it: 32 hexadecimal characters, kept in lower case.
 *
 * @public
 */
export const assetIdSchema = z
  .string({ error: 'must be a string' })
  .trim()
  .regex(/^[0-9a-fA-F]{32}$/, {
    error: 'must be a media asset id of 32 hexadecimal characters',
  })
  .transform(id => id.toLowerCase());

/**
 * A streaming URL of a published asset, parsed strictly (see parseStreamingUrl) and turned into
 * its canonical form: what is checked against the allow-list, recorded and sent to VOD. The
 * seed's own example pads its URLs with spaces, so surrounding whitespace is trimmed first.
 *
 * @public
 */
export const streamingUrlSchema = z
  .string({ error: 'must be a string' })
  .trim()
  .transform((value, ctx) => {
    const check = parseStreamingUrl(value);
    if (!check.ok) {
      ctx.addIssue({ code: 'custom', message: check.reason });
      return z.NEVER;
    }
    // URL parsing maps look-alikes onto ASCII (full-width letters, "。" for "."): a host spelled
    // with them would be prefetched as another host than the one written.
    if (/[^\x21-\x7e]/.test(/^https?:\/\/([^/?#]*)/i.exec(value)?.[1] ?? '')) {
      ctx.addIssue({
        code: 'custom',
        message:
          'must spell its host in ASCII (an international domain name as xn--…)',
      });
      return z.NEVER;
    }
    return check.url.href;
  });

function urlList(max: number) {
  return z
    .array(streamingUrlSchema, { error: 'must be an array of URLs' })
    .min(1, { error: 'must hold at least one URL' })
    .max(max, { error: `must hold at most ${max} URLs` });
}

// ---------------------------------------------------------------------------------------------
// The seed: VOD's own contract, `POST|GET /v1.0/{project_id}/asset/preheating`.
// ---------------------------------------------------------------------------------------------

/**
 * Body of VOD's create call: exactly one of `asset_id` or 1–10 `urls`.
 *
 * @public
 */
export const vodCreatePrefetchRequestSchema = z
  .object({
    asset_id: assetIdSchema.optional(),
    urls: urlList(MAX_URLS_PER_VOD_TASK).optional(),
  })
  .superRefine((body, ctx) => {
    if ((body.asset_id === undefined) === (body.urls === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'exactly one of asset_id or urls is required',
      });
    }
  });

/**
 * VOD's 202 answer to a create call. Unknown fields are tolerated.
 *
 * @public
 */
export const vodCreatePrefetchResponseSchema = z.looseObject({
  task_id: z.string().min(1),
});

/**
 * VOD's (and API Gateway's) error body.
 *
 * @public
 */
export const vodErrorSchema = z.looseObject({
  error_code: z.string(),
  error_msg: z.string(),
});

/**
 * The state of one URL of a VOD prefetch task, parsed case-insensitively.
 *
 * @public
 */
export const vodUrlStatusSchema = z
  .string()
  .transform(status => status.toLowerCase())
  .pipe(z.enum(['processing', 'succeed', 'failed']));

/**
 * VOD's answer to `GET …/asset/preheating?task_id=`. Unknown fields are tolerated.
 *
 * @public
 */
export const vodQueryPrefetchResponseSchema = z.looseObject({
  task_id: z.string().optional(),
  preheating_results: z.array(
    z.looseObject({
      url: z.string(),
      status: vodUrlStatusSchema,
    }),
  ),
});

// ---------------------------------------------------------------------------------------------
// Our own API, `/api/vod`.
// ---------------------------------------------------------------------------------------------

/**
 * The lifecycle of one prefetch; see DESIGN.md "Backend API".
 *
 * @public
 */
export const prefetchStatusSchema = z.enum([
  'pending',
  'processing',
  'succeeded',
  'failed',
  'partially_failed',
  'expired',
]);

/**
 * Name of a configured VOD account.
 *
 * @public
 */
export const accountNameSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/i, {
    error:
      'must be an account name: letters, digits, "-" or "_", at most 63 characters',
  });

/**
 * A catalog entity reference in its full string form, `kind:namespace/name`.
 *
 * @public
 */
export const entityRefSchema = z
  .string({ error: 'must be a string' })
  .trim()
  .max(255, { error: 'must be at most 255 characters' })
  .regex(/^[^:/\s]+:[^:/\s]+\/[^:/\s]+$/, {
    error: 'must be an entity reference of the form kind:namespace/name',
  })
  .transform(ref => ref.toLowerCase());

/**
 * Body of `POST /api/vod/prefetches`. At most one of `assetId` / `urls`; with neither, the asset
 * comes from the `entityRef`'s annotation, so one of the three is required.
 *
 * @public
 */
export const createPrefetchRequestSchema = z
  .strictObject({
    entityRef: entityRefSchema.optional(),
    account: accountNameSchema.optional(),
    assetId: assetIdSchema.optional(),
    urls: urlList(MAX_URLS_PER_PREFETCH).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.assetId !== undefined && body.urls !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['urls'],
        message: 'give either assetId or urls, not both',
      });
    } else if (
      body.assetId === undefined &&
      body.urls === undefined &&
      body.entityRef === undefined
    ) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'one of entityRef, assetId or urls is required',
      });
    }
  });

/**
 * The result VOD reported for one URL of a task.
 *
 * @public
 */
export const prefetchUrlResultSchema = z.object({
  url: z.string(),
  status: vodUrlStatusSchema,
});

/**
 * One VOD call made for a prefetch (an asset, or up to 10 of its URLs).
 *
 * @public
 */
export const prefetchTaskSchema = z.object({
  /** VOD's task id; absent until VOD accepted the call. */
  taskId: z.string().optional(),
  /** The URLs sent in this call; absent for an asset prefetch. */
  urls: z.array(z.string()).optional(),
  status: prefetchStatusSchema,
  results: z.array(prefetchUrlResultSchema),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

/**
 * A prefetch as the backend records and returns it.
 *
 * @public
 */
export const prefetchSchema = z.object({
  id: z.string(),
  status: prefetchStatusSchema,
  account: z.string(),
  entityRef: z.string().optional(),
  assetId: z.string().optional(),
  urls: z.array(z.string()).optional(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** Set when a call was in flight during a crash and had to be sent again. */
  possibleDuplicate: z.boolean(),
  /** Present on `GET /prefetches/:id`. */
  tasks: z.array(prefetchTaskSchema).optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  /**
   * The URLs VOD has reported on so far, and how many of them ended: what a progress bar shows.
   * Absent until VOD first reported.
   */
  progress: z
    .object({
      total: z.number().int().nonnegative(),
      succeeded: z.number().int().nonnegative(),
      failed: z.number().int().nonnegative(),
    })
    .optional(),
  /** For a pending prefetch: its place in its account's queue of calls to VOD, 1 = next. */
  queuePosition: z.number().int().positive().optional(),
});

/**
 * A page of `GET /api/vod/prefetches`, newest first.
 *
 * @public
 */
export const prefetchListSchema = z.object({
  items: z.array(prefetchSchema),
  nextCursor: z.string().optional(),
  /**
   * The Backstage signal channel that tells of changes to this list's prefetches: for an
   * `entityRef` filter, that entity's (given only to those who may read its prefetches);
   * otherwise the channel that says only that something changed.
   */
  channel: z.string().optional(),
});

/**
 * `GET /api/vod/quota`: one account's quota day.
 *
 * @public
 */
export const quotaSchema = z.object({
  account: z.string(),
  limit: z.number().int().nonnegative(),
  used: z.number().int().nonnegative(),
  remaining: z.number().int().nonnegative(),
  resetsAt: z.string(),
  /** Calls to VOD waiting in the account's queue (at its rate limit). */
  queued: z.number().int().nonnegative(),
});

/**
 * `POST /api/vod/prefetches?dryRun=true`: what the create would do, checked as a create is
 * (permission, binding, allow-list, quota) and recording nothing.
 *
 * @public
 */
export const prefetchPlanSchema = z.object({
  dryRun: z.literal(true),
  account: z.string(),
  entityRef: z.string().optional(),
  assetId: z.string().optional(),
  /** The canonical URLs that would be sent. */
  urls: z.array(z.string()).optional(),
  /** Quota units it would spend: 1 for an asset, 1 per URL. */
  units: z.number().int().positive(),
  /** Calls to VOD it would make (an asset, or up to 10 URLs each). */
  vodCalls: z.number().int().positive(),
  /** The account's quota day before it, for a caller who may read it (as `GET /quota`). */
  quota: quotaSchema.optional(),
});

/**
 * One entry of `GET /api/vod/accounts`: never a secret.
 *
 * @public
 */
export const accountSummarySchema = z.object({
  name: z.string(),
  projectId: z.string(),
  isDefault: z.boolean(),
  /**
   * Present while the account cannot reach VOD, e.g. IAM or VOD refuse its credentials: its
   * prefetches wait in the queue until it works again.
   */
  problem: z
    .object({ code: z.string(), message: z.string(), since: z.string() })
    .optional(),
});

/**
 * A prefetch id as the backend issues it: a UUID.
 *
 * @public
 */
export const prefetchIdSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, {
    error: 'must be a prefetch id (a UUID)',
  })
  .transform(id => id.toLowerCase());
