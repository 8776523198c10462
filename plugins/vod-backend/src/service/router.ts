import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import type { HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  createPrefetchRequestSchema,
  prefetchStatusSchema,
} from '@mediaops/backstage-plugin-vod-common';
import type express from 'express';
import type { z } from 'zod';
import { spec } from '../schema/openapi';
import type { PrefetchService } from './PrefetchService';

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;

/** The vod plugin's own API, validated against its OpenAPI document. */
export async function createRouter(options: {
  httpAuth: HttpAuthService;
  service: PrefetchService;
}): Promise<express.Router> {
  const { httpAuth, service } = options;
  const router = createValidatedOpenApiRouter<typeof spec>(spec);
  const caller = (req: express.Request) =>
    httpAuth.credentials(req, { allow: ['user', 'service'] });

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.post('/prefetches', async (req, res) => {
    const credentials = await caller(req);
    const input = parse(createPrefetchRequestSchema, req.body);
    const { prefetch } = await service.create(input, credentials, {
      idempotencyKey: req.header('idempotency-key'),
      request: req,
    });
    res.status(202).json(prefetch);
  });

  router.get('/prefetches', async (req, res) => {
    const credentials = await caller(req);
    const { limit, cursor, status, ...filter } = req.query;
    const pageSize = limit === undefined ? DEFAULT_PAGE : Number(limit);
    if (!(pageSize >= 1 && pageSize <= MAX_PAGE)) {
      throw new InputError(`limit: must be 1 to ${MAX_PAGE}, got ${limit}`);
    }
    res.json(
      await service.list(
        {
          ...filter,
          status:
            status === undefined
              ? undefined
              : parse(prefetchStatusSchema, status),
        },
        { limit: pageSize, cursor },
        credentials,
      ),
    );
  });

  router.get('/prefetches/:id', async (req, res) => {
    res.json(await service.get(req.params.id, await caller(req)));
  });

  router.get('/quota', async (req, res) => {
    res.json(await service.quota(req.query.account, await caller(req)));
  });

  router.get('/accounts', async (req, res) => {
    res.json(await service.accounts(await caller(req)));
  });

  return router;
}

/** Validates with a vod-common schema; a failure is a 400 naming each field. */
export function parse<T extends z.ZodType>(
  schema: T,
  value: unknown,
): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new InputError(
      result.error.issues
        .map(issue =>
          issue.path.length
            ? `${issue.path.join('.')}: ${issue.message}`
            : issue.message,
        )
        .join('; '),
    );
  }
  return result.data;
}
