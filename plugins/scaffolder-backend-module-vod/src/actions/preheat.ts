import { createHash } from 'node:crypto';
import { ResponseError } from '@backstage/errors';
import {
  createTemplateAction,
  TemplateAction,
} from '@backstage/plugin-scaffolder-node';
import {
  CreatePrefetchRequest,
  Prefetch,
} from '@mediaops/backstage-plugin-vod-common';
import type { VodPrefetchService } from '@mediaops/backstage-plugin-vod-node';
import { examples } from './preheat.examples';
import { checkInput, MAX_TIMEOUT_SECONDS, requestOf } from './preheatInput';

/**
 * The input of `vod:preheat` (each field described in the action's schema).
 *
 * @public
 */
export type VodPreheatInput = {
  entityRef?: string;
  assetId?: string;
  urls?: string[];
  account?: string;
  wait?: boolean;
  timeoutSeconds?: number;
  failOn?: 'failed' | 'partially_failed';
};

/**
 * The output of `vod:preheat` (each field described in the action's schema).
 *
 * @public
 */
export type VodPreheatOutput = {
  prefetchId?: string;
  status: string;
  taskIds: string[];
  results: Array<{ url: string; status: string }>;
  quotaRemaining?: number;
  url?: string;
};

/** How the step tells a prefetch's stage in the task log. */
const STAGES: Record<Prefetch['status'], string> = {
  pending: 'queued in the portal',
  processing: 'accepted by VOD, warming the cache',
  succeeded: 'cache warm',
  partially_failed: 'partly warm',
  failed: 'failed',
  expired: 'no answer from VOD in time',
};

/** What the inputs that may be left out mean then. */
const DEFAULTS = {
  wait: true,
  timeoutSeconds: 1_800,
  failOn: 'failed' as 'failed' | 'partially_failed',
};

/** End states that fail the step, for each `failOn`. */
const FAILING: Record<'failed' | 'partially_failed', Prefetch['status'][]> = {
  failed: ['failed', 'expired'],
  partially_failed: ['failed', 'expired', 'partially_failed'],
};

/**
 * `vod:preheat`: prefetches a media asset into the CDN through the vod backend, as the user who
 * started the task (their permissions, the allow-list and the quota apply; the prefetch is
 * recorded as theirs), and by default waits until it has ended.
 *
 * @public
 */
export function createVodPreheatAction(options: {
  vod: VodPrefetchService;
  /** The portal's frontend, for the `url` output. */
  appBaseUrl: string;
}): TemplateAction<VodPreheatInput, VodPreheatOutput, 'v2'> {
  return preheatAction(options);
}

/**
 * The action with the input and output types its schema gives (preheat.test.ts holds them equal
 * to the named public types, which keep the API report stable).
 */
export function preheatAction(options: {
  vod: VodPrefetchService;
  appBaseUrl: string;
}) {
  const { vod, appBaseUrl } = options;
  return createTemplateAction({
    id: 'vod:preheat',
    description:
      'Prefetches (warms) a Huawei Cloud VOD media asset into the CDN through the portal, as the user who runs the template: by catalog entity, by VOD asset id, or by a list of streaming URLs. Waits until VOD has warmed it, unless told not to.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        entityRef: z =>
          z
            .string()
            .optional()
            .describe(
              'The catalog entity of the media asset (its vod.huaweicloud.com/asset-id annotation names the asset), e.g. resource:default/trailer. With urls, only those URLs, which must lie under that asset.',
            ),
        assetId: z =>
          z
            .string()
            .optional()
            .describe(
              'A VOD asset id (32 hexadecimal characters), when there is no entity. Needs the right to prefetch outside the catalog.',
            ),
        urls: z =>
          z
            .array(z.string())
            .min(1)
            .optional()
            .describe(
              "Streaming URLs to prefetch, any number (sent to VOD 10 a call). Alone, they need the right to prefetch outside the catalog and must lie under the account's allowed URL prefixes.",
            ),
        account: z =>
          z
            .string()
            .optional()
            .describe(
              "The portal's VOD account to use; default: the entity's, or the portal's default account.",
            ),
        wait: z =>
          z
            .boolean()
            .optional()
            .describe(
              'Wait until the prefetch has ended (default true). false: end the step once the portal has recorded it.',
            ),
        timeoutSeconds: z =>
          z
            .number()
            .int()
            .min(1)
            .max(MAX_TIMEOUT_SECONDS)
            .optional()
            .describe(
              `With wait: fail the step if the prefetch has not ended after this many seconds (default 1800, at most ${MAX_TIMEOUT_SECONDS}: the step reads as the initiator, whose sign-in lasts about an hour). The prefetch itself goes on.`,
            ),
        failOn: z =>
          z
            .enum(['failed', 'partially_failed'])
            .optional()
            .describe(
              'With wait: which end fails the step. failed (default): only a prefetch that warmed nothing; partially_failed: also one where some URLs failed.',
            ),
      },
      output: {
        prefetchId: z =>
          z.string().optional().describe("The prefetch's id in the portal."),
        status: z =>
          z
            .string()
            .describe(
              'pending, processing, succeeded, partially_failed, failed or expired; dry-run in a dry run.',
            ),
        taskIds: z =>
          z
            .array(z.string())
            .describe(
              "VOD's task ids of the prefetch's calls (known once VOD accepted them).",
            ),
        results: z =>
          z
            .array(z.object({ url: z.string(), status: z.string() }))
            .describe(
              'Per URL, as VOD last reported it: processing, succeed or failed.',
            ),
        quotaRemaining: z =>
          z
            .number()
            .optional()
            .describe("Prefetches left today on the prefetch's VOD account."),
        url: z =>
          z
            .string()
            .optional()
            .describe('A link to the prefetch on the portal.'),
      },
    },
    async handler(ctx) {
      try {
        // The scaffolder validates the input against the schema but applies no defaults.
        checkInput(ctx.input);
        const input = {
          ...ctx.input,
          wait: ctx.input.wait ?? DEFAULTS.wait,
          timeoutSeconds: ctx.input.timeoutSeconds ?? DEFAULTS.timeoutSeconds,
          failOn: ctx.input.failOn ?? DEFAULTS.failOn,
        };
        const request = requestOf(input);
        const credentials = await ctx.getInitiatorCredentials();

        const outputs = async (p: Prefetch) => {
          // Plain arrays and objects made here: the scaffolder's templating refuses values whose
          // prototype is not its own (a parsed HTTP body can come from another realm).
          const taskIds: string[] = [];
          const results: Array<{ url: string; status: string }> = [];
          for (const task of p.tasks ?? []) {
            if (task.taskId) taskIds.push(task.taskId);
            for (const r of task.results) {
              results.push({ url: r.url, status: r.status });
            }
          }
          ctx.output('status', p.status);
          ctx.output('taskIds', taskIds);
          ctx.output('results', results);
          const quota = await vod
            .getQuota(
              p.entityRef ? { entityRef: p.entityRef } : { account: p.account },
              { credentials },
            )
            .catch(() => undefined); // the user may prefetch without reading the account
          if (quota) ctx.output('quotaRemaining', quota.remaining);
        };

        if (ctx.isDryRun) {
          const plan = await vod.planPrefetch(request, { credentials });
          const left = plan.quota
            ? ` of the ${plan.quota.remaining} prefetches left today`
            : ' daily prefetch(es)';
          ctx.logger.info(
            `Dry run: would prefetch ${describe(request)} on account ${
              plan.account
            }: ${plan.units}${left}, in ${
              plan.vodCalls
            } call(s) to VOD. Nothing was recorded or sent.`,
          );
          ctx.output('status', 'dry-run');
          ctx.output('taskIds', []);
          ctx.output('results', []);
          if (plan.quota) {
            ctx.output('quotaRemaining', plan.quota.remaining - plan.units);
          }
          return;
        }

        // Recorded once per step, however often the step is retried or resumed: the checkpoint
        // keeps the id, and the key makes a create the backend already has answer with it.
        const idempotencyKey = keyOf(ctx.task.id, ctx.step?.id, ctx.each);
        const id = await ctx.checkpoint({
          key: `vod-preheat-${idempotencyKey}`,
          fn: async () =>
            (
              await vod.createPrefetch(request, { credentials, idempotencyKey })
            ).id,
        });
        const url = `${appBaseUrl}/vod?id=${encodeURIComponent(id)}`;
        ctx.output('prefetchId', id);
        ctx.output('url', url);
        ctx.logger.info(`Prefetch ${id} recorded: ${url}`);

        let prefetch: Prefetch;
        if (!input.wait) {
          prefetch = await vod.getPrefetch(id, { credentials });
        } else {
          const waited = await vod.waitFor(id, {
            credentials,
            signal: ctx.signal,
            timeoutMs: input.timeoutSeconds * 1000,
            onChange: p => ctx.logger.info(progressLine(p)),
          });
          prefetch = waited.prefetch;
          await outputs(prefetch);
          if (waited.outcome === 'aborted') {
            throw new Error(
              `Stopped waiting: the task was cancelled. Prefetch ${id} itself goes on: ${url}`,
            );
          }
          if (waited.outcome === 'timeout') {
            throw new Error(
              `Prefetch ${id} had not ended after ${input.timeoutSeconds} s (${
                STAGES[prefetch.status]
              }); it goes on: ${url}`,
            );
          }
          if (FAILING[input.failOn].includes(prefetch.status)) {
            throw new Error(failureOf(prefetch, url));
          }
          return;
        }
        await outputs(prefetch);
      } catch (error) {
        throw inOwnWords(error);
      }
    },
  });
}

/**
 * A refusal or failure of the vod backend told in its words, e.g. "NotAllowedError: You may not
 * prefetch resource:default/x (vod.prefetch.create)", not as an HTTP failure with the client's stack.
 */
function inOwnWords(error: unknown): unknown {
  if (!(error instanceof ResponseError)) return error;
  const { name, message } = error.body.error;
  const told = new Error(message);
  told.name = name;
  told.stack = `${name}: ${message}`;
  return told;
}

function describe(request: CreatePrefetchRequest): string {
  if (request.entityRef) {
    return request.urls
      ? `${request.urls.length} URL(s) of ${request.entityRef}`
      : request.entityRef;
  }
  return request.assetId
    ? `asset ${request.assetId}`
    : `${request.urls!.length} URL(s)`;
}

/** The Idempotency-Key of a step: the same for every retry and resume of it. */
function keyOf(taskId: string, stepId?: string, each?: unknown): string {
  const eachPart =
    each === undefined
      ? ''
      : `:${createHash('sha256')
          .update(JSON.stringify(each))
          .digest('hex')
          .slice(0, 16)}`;
  return `scaffolder:${taskId}:${stepId ?? 'step'}${eachPart}`;
}

function progressLine(p: Prefetch): string {
  const stage =
    p.status === 'pending' && p.queuePosition
      ? `${STAGES.pending}, number ${p.queuePosition} in line for VOD`
      : STAGES[p.status];
  const progress =
    p.progress && p.status !== 'pending'
      ? `; ${p.progress.succeeded + p.progress.failed} of ${
          p.progress.total
        } URLs done${p.progress.failed ? `, ${p.progress.failed} failed` : ''}`
      : '';
  return `Prefetch ${p.id}: ${stage}${progress}`;
}

function failureOf(p: Prefetch, url: string): string {
  const failed = (p.tasks ?? []).flatMap(t =>
    t.results.filter(r => r.status === 'failed').map(r => r.url),
  );
  const reason = p.error
    ? ` VOD said ${p.error.code}: ${p.error.message}.`
    : '';
  const list = failed.length
    ? ` Failed URLs: ${failed.slice(0, 10).join(', ')}${
        failed.length > 10 ? ` and ${failed.length - 10} more` : ''
      }.`
    : '';
  return `Prefetch ${p.id} ended ${STAGES[p.status]}.${reason}${list} ${url}`;
}
