import { InputError } from '@backstage/errors';
import type { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import {
  createPrefetchRequestSchema,
  Prefetch,
  prefetchIdSchema,
  PrefetchStatus,
  prefetchStatusSchema,
} from '@mediaops/backstage-plugin-vod-common';
import type { PrefetchService } from './PrefetchService';
import { parseInput, parseListFilter } from './validation';

type Z = Parameters<
  Parameters<ActionsRegistryService['register']>[0]['schema']['input']
>[0];

/** The statuses, for the registry's zod (v3). */
const STATUSES = prefetchStatusSchema.options as [
  PrefetchStatus,
  ...PrefetchStatus[],
];

/** A prefetch as the actions tell it (the registry's zod, v3). */
function prefetchOutput(z: Z) {
  return z.object({
    id: z.string().describe("The prefetch's id in the portal"),
    status: z
      .enum(STATUSES)
      .describe(
        'pending: queued in the portal, not yet sent to VOD; processing: accepted by VOD, warming (not warm yet); succeeded: cache warm; partially_failed: some URLs failed; failed; expired: VOD reported no end in time',
      ),
    account: z.string(),
    entityRef: z.string().optional(),
    assetId: z.string().optional(),
    urls: z.array(z.string()).optional(),
    createdBy: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    possibleDuplicate: z.boolean(),
    queuePosition: z
      .number()
      .optional()
      .describe("For a pending prefetch: its place in the account's queue"),
    progress: z
      .object({ total: z.number(), succeeded: z.number(), failed: z.number() })
      .optional()
      .describe('URLs VOD reported done, of those it knows'),
    error: z
      .object({ code: z.string(), message: z.string() })
      .optional()
      .describe("VOD's first error, for a prefetch that failed"),
    tasks: z
      .array(
        z.object({
          taskId: z.string().optional(),
          status: z.string(),
          results: z.array(z.object({ url: z.string(), status: z.string() })),
        }),
      )
      .optional()
      .describe("The prefetch's calls to VOD with each URL's result"),
  });
}

/**
 * Registers the vod actions with Backstage's actions registry (so MCP clients, and templates as
 * `vod:prefetch-*`, can use them): each runs as its caller, through the same service and checks
 * as the HTTP API. Their input is a strict object: a misspelt field is refused, not left out.
 */
export function registerVodActions(
  registry: ActionsRegistryService,
  service: PrefetchService,
): void {
  registry.register({
    name: 'prefetch-create',
    title: 'Prefetch a VOD asset into the CDN',
    description: `Warms (prefetches) a published Huawei Cloud VOD media asset into the CDN, through the developer portal, as the calling user: their permissions, the portal's URL allow-list and the account's daily quota apply, and the prefetch is recorded as theirs.
Name the target one way: entityRef of a catalog media entity (preferred: its vod.huaweicloud.com/asset-id annotation names the asset; add urls to warm only some renditions of it), or a VOD assetId, or a list of streaming urls.
Each asset, or each URL, costs 1 of the account's daily prefetches (1,000 a day on Huawei Cloud). The answer comes at once with status pending or processing; VOD takes minutes. Follow it with vod:prefetch-get.
Give every intended prefetch its own idempotencyKey (required, e.g. a fresh UUID) and send the same key again only to retry that call: a retry then returns the first prefetch and never prefetches twice. dryRun: true (no key needed) checks everything and says what it would do and cost, without prefetching.`,
    attributes: { destructive: false, idempotent: true, readOnly: false },
    schema: {
      input: z =>
        z.strictObject({
          entityRef: z
            .string()
            .optional()
            .describe(
              'A catalog media entity, e.g. resource:default/winter-launch-trailer-2026',
            ),
          assetId: z
            .string()
            .optional()
            .describe('A VOD asset id: 32 hexadecimal characters'),
          urls: z
            .array(z.string())
            .optional()
            .describe(
              'Streaming URLs to warm (http or https, under the allowed prefixes)',
            ),
          account: z
            .string()
            .optional()
            .describe(
              "The portal's VOD account; default: the entity's, else the default account",
            ),
          idempotencyKey: z
            .string()
            .min(1)
            .max(255)
            .optional()
            .describe(
              'Required unless dryRun: a key of this one intended prefetch, e.g. a fresh UUID. The same key with the same target returns the first prefetch instead of a new one; the same key with another target is refused',
            ),
          dryRun: z
            .boolean()
            .optional()
            .describe(
              'true: only check and say what it would do and cost; nothing is prefetched',
            ),
        }),
      output: z =>
        z.object({
          prefetch: prefetchOutput(z)
            .optional()
            .describe('The prefetch recorded (not for a dry run)'),
          plan: z
            .object({
              account: z.string(),
              entityRef: z.string().optional(),
              assetId: z.string().optional(),
              urls: z.array(z.string()).optional(),
              units: z.number().describe('Daily prefetches it would spend'),
              vodCalls: z.number().describe('Calls to VOD it would make'),
              remainingToday: z
                .number()
                .optional()
                .describe(
                  "The account's prefetches left today, before it (if the caller may read the account's quota)",
                ),
            })
            .optional()
            .describe('For a dry run: what it would do'),
        }),
    },
    examples: [
      {
        title: 'Warm a media entity',
        description: "Prefetch the asset a catalog entity's annotation names",
        input: {
          entityRef: 'resource:default/winter-launch-trailer-2026',
          idempotencyKey: '3f1c2a9e-8b7d-4e6f-a5c4-1d2e3f4a5b6c',
        },
      },
      {
        title: 'Check before warming URLs',
        description:
          'What prefetching two renditions would cost, without doing it',
        input: {
          urls: [
            'https://example.com/asset/launch/720p.m3u8',
            'https://example.com/asset/launch/1080p.m3u8',
          ],
          dryRun: true,
        },
      },
    ],
    action: async ({ input, credentials }) => {
      const { idempotencyKey, dryRun, ...target } = input;
      const request = parseInput(createPrefetchRequestSchema, target);
      if (dryRun) {
        const plan = await service.plan(request, credentials);
        return {
          output: {
            plan: {
              account: plan.account,
              entityRef: plan.entityRef,
              assetId: plan.assetId,
              urls: plan.urls,
              units: plan.units,
              vodCalls: plan.vodCalls,
              remainingToday: plan.quota?.remaining,
            },
          },
        };
      }
      if (!idempotencyKey) {
        // Required, so that a client retrying a call it got no answer to never prefetches twice.
        throw new InputError(
          'idempotencyKey: required (unless dryRun): a key of this one prefetch, sent again only to retry it',
        );
      }
      const { prefetch } = await service.create(request, credentials, {
        idempotency: { key: idempotencyKey },
      });
      return { output: { prefetch: plain(prefetch) } };
    },
  });

  registry.register({
    name: 'prefetch-get',
    title: 'Get a VOD CDN prefetch',
    description:
      "One prefetch the calling user may read, by its id: its status (pending: queued in the portal; processing: VOD is warming it; succeeded: cache warm; partially_failed, failed, expired), its progress, and each URL's result with VOD's task ids. Use it to follow a prefetch made with vod:prefetch-create.",
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z =>
        z.strictObject({
          id: z
            .string()
            .describe('The prefetch id vod:prefetch-create returned'),
        }),
      output: z => z.object({ prefetch: prefetchOutput(z) }),
    },
    examples: [
      {
        title: 'Follow a prefetch',
        input: { id: '7d0c4b9e-2f1a-4c3e-9b8d-5a6f7e8d9c0b' },
      },
    ],
    action: async ({ input, credentials }) => {
      const id = parseInput(prefetchIdSchema, input.id, 'id');
      return {
        output: { prefetch: plain(await service.get(id, credentials)) },
      };
    },
  });

  registry.register({
    name: 'prefetch-list',
    title: 'List VOD CDN prefetches',
    description:
      'The prefetches the calling user may read, newest first, a page at a time: filter by catalog entity, asset id, account, status or who started them. Use it to find out whether and when an asset was warmed, or which prefetches failed.',
    attributes: { readOnly: true, idempotent: true, destructive: false },
    schema: {
      input: z =>
        z.strictObject({
          entityRef: z
            .string()
            .optional()
            .describe('Only the prefetches of this catalog entity'),
          assetId: z.string().optional().describe('Only those of this asset'),
          account: z.string().optional(),
          status: z.enum(STATUSES).optional(),
          createdBy: z
            .string()
            .max(255)
            .optional()
            .describe(
              'Only those started by this user, e.g. user:default/guest',
            ),
          limit: z
            .number()
            .int()
            .min(1)
            .max(100)
            .optional()
            .describe('How many, default 20'),
          cursor: z
            .string()
            .optional()
            .describe('nextCursor of the previous page, for the next one'),
        }),
      output: z =>
        z.object({
          items: z.array(prefetchOutput(z)),
          nextCursor: z
            .string()
            .optional()
            .describe(
              'Pass as cursor for older prefetches; absent on the last page',
            ),
        }),
    },
    examples: [
      {
        title: "An entity's failed prefetches",
        input: {
          entityRef: 'resource:default/winter-launch-trailer-2026',
          status: 'failed',
        },
      },
    ],
    action: async ({ input, credentials }) => {
      const list = await service.list(
        parseListFilter(input),
        { limit: input.limit ?? 20, cursor: input.cursor },
        credentials,
      );
      return {
        output: { items: list.items.map(plain), nextCursor: list.nextCursor },
      };
    },
  });
}

/** The prefetch as JSON carries it (no undefined values, plain objects). */
function plain(prefetch: Prefetch) {
  return JSON.parse(JSON.stringify(prefetch));
}
