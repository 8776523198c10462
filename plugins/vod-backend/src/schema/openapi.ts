// The vod backend's API, spec first: the router is typed from this document and requests are
// validated against it (createValidatedOpenApiRouter). Kept by hand as a TypeScript `as const`
// object: the OpenAPI code generator needs a download this project cannot rely on. The zod
// schemas in vod-common remain the source of truth for values; this document describes the same
// shapes for readers and for the validator.

import { prefetchStatusSchema } from '@mediaops/backstage-plugin-vod-common';

const ref = <const T extends string>(name: T) =>
  ({ $ref: `#/components/schemas/${name}` } as const);
const json = <const T>(schema: T) =>
  ({ 'application/json': { schema } } as const);
const errors = {
  '400': {
    description: 'Invalid input; the message names the field.',
    content: json(ref('Error')),
  },
  '401': {
    description: 'No valid Backstage token.',
    content: json(ref('Error')),
  },
  '403': {
    description: 'Not allowed by the permission policy.',
    content: json(ref('Error')),
  },
} as const;

export const spec = {
  openapi: '3.1.0',
  info: {
    title: 'vod',
    version: '1',
    description:
      'Huawei Cloud VOD CDN prefetch behind Backstage authentication. Every route but /health needs a Backstage user or service token.',
    license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    contact: {},
  },
  servers: [{ url: '/' }],
  components: {
    examples: {},
    headers: {},
    parameters: {},
    requestBodies: {},
    responses: {},
    securitySchemes: {},
    schemas: {
      Error: {
        type: 'object',
        description: "Backstage's error body.",
        properties: {
          error: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              message: { type: 'string' },
            },
            required: ['name', 'message'],
          },
          request: { type: 'object' },
          response: { type: 'object' },
        },
        required: ['error'],
      },
      SeedError: {
        type: 'object',
        description: "VOD's own error body.",
        properties: {
          error_code: { type: 'string' },
          error_msg: { type: 'string' },
        },
        required: ['error_code', 'error_msg'],
      },
      PrefetchStatus: { type: 'string', enum: prefetchStatusSchema.options },
      CreatePrefetchRequest: {
        type: 'object',
        description:
          'At most one of assetId and urls; with neither, the asset comes from the entity annotation vod.huaweicloud.com/asset-id.',
        properties: {
          entityRef: {
            type: 'string',
            description: 'kind:namespace/name of a media entity',
          },
          account: {
            type: 'string',
            description:
              'A configured VOD account; default: the entity annotation, then the default account',
          },
          assetId: {
            type: 'string',
            description: 'A VOD media asset id, 32 hexadecimal characters',
          },
          urls: {
            type: 'array',
            items: { type: 'string' },
            minItems: 1,
            description:
              'Streaming URLs, sent to VOD 10 per call, up to vod.maxUrlsPerPrefetch',
          },
        },
        // Unknown fields are refused by the handler, whose message names them; the validator's would not.
      },
      UrlResult: {
        type: 'object',
        properties: {
          url: { type: 'string' },
          status: { type: 'string', enum: ['processing', 'succeed', 'failed'] },
        },
        required: ['url', 'status'],
      },
      Failure: {
        type: 'object',
        properties: { code: { type: 'string' }, message: { type: 'string' } },
        required: ['code', 'message'],
      },
      Task: {
        type: 'object',
        properties: {
          taskId: { type: 'string' },
          urls: { type: 'array', items: { type: 'string' } },
          status: ref('PrefetchStatus'),
          results: { type: 'array', items: ref('UrlResult') },
          error: ref('Failure'),
        },
        required: ['status', 'results'],
      },
      Prefetch: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          status: ref('PrefetchStatus'),
          account: { type: 'string' },
          entityRef: { type: 'string' },
          assetId: { type: 'string' },
          urls: { type: 'array', items: { type: 'string' } },
          createdBy: { type: 'string' },
          createdAt: { type: 'string', format: 'date-time' },
          updatedAt: { type: 'string', format: 'date-time' },
          possibleDuplicate: { type: 'boolean' },
          tasks: { type: 'array', items: ref('Task') },
          error: ref('Failure'),
          progress: {
            type: 'object',
            description:
              'The URLs VOD has reported on, and how many ended; absent until its first report.',
            properties: {
              total: { type: 'integer' },
              succeeded: { type: 'integer' },
              failed: { type: 'integer' },
            },
            required: ['total', 'succeeded', 'failed'],
          },
          queuePosition: {
            type: 'integer',
            description:
              "A pending prefetch's place in its account's queue of calls to VOD; 1 is next.",
          },
        },
        required: [
          'id',
          'status',
          'account',
          'createdBy',
          'createdAt',
          'updatedAt',
          'possibleDuplicate',
        ],
      },
      PrefetchList: {
        type: 'object',
        properties: {
          items: { type: 'array', items: ref('Prefetch') },
          nextCursor: { type: 'string' },
          channel: {
            type: 'string',
            description:
              "The Backstage signal channel that tells of this list's changes: for an entityRef filter, that entity's (only to those who may read its prefetches; its signals name the prefetches and their states); otherwise vod:prefetches, whose signals say only that something changed.",
          },
        },
        required: ['items'],
      },
      PrefetchPlan: {
        type: 'object',
        description:
          'What a create would do (dryRun=true), checked as a create is (permission, binding, allow-list, quota); nothing is recorded or sent.',
        properties: {
          dryRun: { type: 'boolean', const: true },
          account: { type: 'string' },
          entityRef: { type: 'string' },
          assetId: { type: 'string' },
          urls: {
            type: 'array',
            items: { type: 'string' },
            description: 'The canonical URLs that would be sent.',
          },
          units: {
            type: 'integer',
            description:
              'Quota units it would spend: 1 for an asset, 1 per URL.',
          },
          vodCalls: {
            type: 'integer',
            description:
              'Calls to VOD it would make (an asset, or up to 10 URLs each).',
          },
          quota: {
            ...ref('Quota'),
            description:
              "The account's quota day before it; only for a caller who may read it (as GET /quota).",
          },
        },
        required: ['dryRun', 'account', 'units', 'vodCalls'],
      },
      Quota: {
        type: 'object',
        properties: {
          account: { type: 'string' },
          limit: { type: 'integer' },
          used: { type: 'integer' },
          remaining: { type: 'integer' },
          resetsAt: { type: 'string', format: 'date-time' },
          queued: {
            type: 'integer',
            description: "Calls to VOD waiting in the account's queue.",
          },
        },
        required: [
          'account',
          'limit',
          'used',
          'remaining',
          'resetsAt',
          'queued',
        ],
      },
      Account: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          projectId: { type: 'string' },
          isDefault: { type: 'boolean' },
          problem: {
            type: 'object',
            description:
              'Present while the account cannot reach VOD (e.g. its credentials are refused); its prefetches wait.',
            properties: {
              code: { type: 'string' },
              message: { type: 'string' },
              since: { type: 'string', format: 'date-time' },
            },
            required: ['code', 'message', 'since'],
          },
        },
        required: ['name', 'projectId', 'isDefault'],
      },
    },
  },
  paths: {
    '/health': {
      get: {
        operationId: 'GetHealth',
        description: 'Liveness of the vod plugin; needs no authentication.',
        responses: {
          '200': {
            description: 'The plugin is up.',
            content: json({
              type: 'object',
              properties: { status: { type: 'string' } },
              required: ['status'],
            }),
          },
        },
      },
    },
    '/prefetches': {
      post: {
        operationId: 'CreatePrefetch',
        description:
          'Records a prefetch (permission, allow-list, quota and idempotency checked in one transaction) and queues it for VOD.',
        parameters: [
          {
            in: 'header',
            name: 'Idempotency-Key',
            required: false,
            schema: { type: 'string', minLength: 1, maxLength: 255 },
            description:
              'The same key and body return the first prefetch; the same key with another body is a 409.',
          },
          {
            in: 'query',
            name: 'dryRun',
            required: false,
            schema: { type: 'string', enum: ['true', 'false'] },
            description:
              'true: check everything a create checks and answer 200 with what it would do and cost (PrefetchPlan); nothing is recorded or sent to VOD, and errors are the same as a create would get (except for an Idempotency-Key, which a dry run does not look at).',
          },
        ],
        requestBody: {
          required: true,
          content: json(ref('CreatePrefetchRequest')),
        },
        responses: {
          '200': {
            description: 'dryRun=true: what the create would do.',
            content: json(ref('PrefetchPlan')),
          },
          '202': {
            description: 'Recorded and queued.',
            content: json(ref('Prefetch')),
          },
          ...errors,
          '404': {
            description: 'No such entity.',
            content: json(ref('Error')),
          },
          '409': {
            description: 'Idempotency-Key reused with another body.',
            content: json(ref('Error')),
          },
          '413': {
            description: 'The body is larger than 100 kB.',
            content: json(ref('Error')),
          },
          '415': {
            description:
              'The body is not sent as Content-Type application/json in UTF-8, or with a Content-Encoding other than gzip or deflate.',
            content: json(ref('Error')),
          },
          '429': {
            description:
              'Daily quota used up; the message says when it resets.',
            content: json(ref('Error')),
          },
        },
      },
      get: {
        operationId: 'ListPrefetches',
        description: 'Prefetches, newest first, a page at a time.',
        parameters: [
          {
            in: 'query',
            name: 'entityRef',
            required: false,
            schema: { type: 'string' },
            allowReserved: true,
          },
          {
            in: 'query',
            name: 'assetId',
            required: false,
            schema: { type: 'string' },
          },
          {
            in: 'query',
            name: 'account',
            required: false,
            schema: { type: 'string' },
          },
          {
            in: 'query',
            name: 'status',
            required: false,
            schema: ref('PrefetchStatus'),
          },
          {
            in: 'query',
            name: 'createdBy',
            required: false,
            schema: { type: 'string' },
            allowReserved: true,
          },
          {
            in: 'query',
            name: 'limit',
            required: false,
            schema: { type: 'string', pattern: '^[0-9]+$' },
          },
          {
            in: 'query',
            name: 'cursor',
            required: false,
            schema: { type: 'string' },
            allowReserved: true,
          },
        ],
        responses: {
          '200': { description: 'A page.', content: json(ref('PrefetchList')) },
          ...errors,
        },
      },
    },
    '/prefetches/{id}': {
      get: {
        operationId: 'GetPrefetch',
        description:
          'One prefetch with its VOD tasks and per-URL results. With changedFrom, a waiting read: the answer comes once the prefetch shows another state or progress (not before 5 s, so a watcher asks at most every 5 s), at once when it has ended, and after timeoutSeconds otherwise. Waiting reads of one prefetch share their database reads.',
        parameters: [
          {
            in: 'path',
            name: 'id',
            required: true,
            schema: { type: 'string' },
          },
          {
            in: 'query',
            name: 'changedFrom',
            required: false,
            schema: { type: 'string' },
            allowReserved: true,
            description:
              "The fingerprint of the state last seen: status:succeeded:failed:total (vod-common's prefetchFingerprint).",
          },
          {
            in: 'query',
            name: 'timeoutSeconds',
            required: false,
            schema: { type: 'integer', minimum: 5, maximum: 30 },
            description:
              'With changedFrom: the longest wait, 5 to 30 s, default 25. A caller may hold 20 waiting reads open at once (more: 429).',
          },
        ],
        responses: {
          '200': {
            description: 'The prefetch.',
            content: json(ref('Prefetch')),
          },
          ...errors,
          '404': {
            description: 'No such prefetch.',
            content: json(ref('Error')),
          },
          '429': {
            description: 'The caller already holds 20 waiting reads open.',
            content: json(ref('Error')),
          },
        },
      },
    },
    '/quota': {
      get: {
        operationId: 'GetQuota',
        description:
          "An account's quota day: the entity's account with entityRef (needs read on the entity), otherwise the named or default account (needs vod.prefetch.read for some entity, or vod.prefetch.adhoc.read).",
        parameters: [
          {
            in: 'query',
            name: 'account',
            required: false,
            schema: { type: 'string' },
          },
          {
            in: 'query',
            name: 'entityRef',
            required: false,
            schema: { type: 'string' },
            allowReserved: true,
          },
        ],
        responses: {
          '200': { description: 'The quota.', content: json(ref('Quota')) },
          ...errors,
        },
      },
    },
    '/accounts': {
      get: {
        operationId: 'ListAccounts',
        description:
          'The configured accounts: names and project ids, never credentials.',
        responses: {
          '200': {
            description: 'The accounts.',
            content: json({ type: 'array', items: ref('Account') }),
          },
          ...errors,
        },
      },
    },
    '/v1.0/{projectId}/asset/preheating': {
      post: {
        operationId: 'SeedCreatePrefetch',
        description:
          "VOD's own create call, verbatim, behind portal auth: body {asset_id} or {urls: [≤10]}, answered once VOD answered (waiting at most vod.seedRoutes.maxWait). Idempotent: by its Idempotency-Key, or else by its body for vod.seedRoutes.retryWindow, so a retried call never reaches VOD twice. Served by its own router so that every error keeps VOD's {error_code, error_msg} shape.",
        parameters: [
          {
            in: 'path',
            name: 'projectId',
            required: true,
            schema: { type: 'string' },
          },
          {
            in: 'header',
            name: 'Idempotency-Key',
            required: false,
            schema: { type: 'string', minLength: 1, maxLength: 255 },
            description:
              'The same key and body answer as the first call did (the task id once VOD accepted it); the same key with another body is a 409.',
          },
        ],
        requestBody: { required: true, content: json({ type: 'object' }) },
        responses: {
          '202': {
            description: "VOD's task id.",
            content: json({
              type: 'object',
              properties: { task_id: { type: 'string' } },
              required: ['task_id'],
            }),
          },
          '400': {
            description: 'Invalid request, or VOD refused it.',
            content: json(ref('SeedError')),
          },
          '401': {
            description: 'No valid Backstage token.',
            content: json(ref('SeedError')),
          },
          '403': {
            description: 'Not allowed.',
            content: json(ref('SeedError')),
          },
          '404': {
            description: 'No account has this project id.',
            content: json(ref('SeedError')),
          },
          '409': {
            description: 'Idempotency-Key reused with another body.',
            content: json(ref('SeedError')),
          },
          '413': {
            description: 'The body is larger than 64 kB.',
            content: json(ref('SeedError')),
          },
          '415': {
            description:
              'The body is not sent as Content-Type application/json in UTF-8, or with a Content-Encoding other than gzip or deflate.',
            content: json(ref('SeedError')),
          },
          '429': {
            description:
              'Daily quota used up, or no VOD rate slot within vod.seedRoutes.maxWait (Retry-After): nothing was sent, no quota spent.',
            content: json(ref('SeedError')),
          },
          '502': {
            description:
              "VOD answered neither call of this prefetch (it may hold it; it is not sent again), or refused the portal's credentials.",
            content: json(ref('SeedError')),
          },
          '503': {
            description:
              'Sent to VOD, answer not known yet: the same call again (same body or Idempotency-Key) answers with the task id; it is never sent twice.',
            content: json(ref('SeedError')),
          },
        },
      },
      get: {
        operationId: 'SeedQueryPrefetch',
        description:
          "VOD's own task query, verbatim, behind portal auth. Answered from the portal's records, which the poller keeps fresh; VOD is asked live only when they are older than vod.seedRoutes.queryMaxAge.",
        parameters: [
          {
            in: 'path',
            name: 'projectId',
            required: true,
            schema: { type: 'string' },
          },
          {
            in: 'query',
            name: 'task_id',
            required: true,
            schema: { type: 'string' },
          },
        ],
        responses: {
          '200': {
            description: 'Per-URL state.',
            content: json({
              type: 'object',
              properties: {
                task_id: { type: 'string' },
                preheating_results: { type: 'array', items: ref('UrlResult') },
              },
              required: ['preheating_results'],
            }),
          },
          '400': {
            description: 'Invalid request.',
            content: json(ref('SeedError')),
          },
          '403': {
            description: 'Not allowed to read this prefetch.',
            content: json(ref('SeedError')),
          },
          '404': {
            description: 'Unknown project or task.',
            content: json(ref('SeedError')),
          },
          '429': {
            description:
              'Nothing known of the task yet, and no spare VOD query slot to ask (Retry-After).',
            content: json(ref('SeedError')),
          },
          '502': {
            description:
              "VOD did not answer as documented, or refused the portal's credentials.",
            content: json(ref('SeedError')),
          },
        },
      },
    },
  },
} as const;
