import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import type { HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  accountNameSchema,
  createPrefetchRequestSchema,
  entityRefSchema,
  prefetchIdSchema,
} from '@mediaops/backstage-plugin-vod-common';
import express from 'express';
import { z } from 'zod';
import { spec } from '../schema/openapi';
import type { PrefetchService } from './PrefetchService';
import type { PrefetchWaits } from './PrefetchWaits';
import { abortOnDisconnect } from './abortOnDisconnect';
import {
  IDEMPOTENCY_KEY,
  parseInput,
  parseListFilter,
  parseOptionalInput,
  readJsonBody,
} from './validation';

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;
/** A waiting read (`changedFrom`) answers after this long at the latest, by default and at most. */
const DEFAULT_WAIT_SECONDS = 25;
const MAX_WAIT_SECONDS = 30;
/** ... and not before this long unless the prefetch ended: a watcher asks at most this often. */
const MIN_WAIT_SECONDS = 5;

const booleanSchema = z.enum(['true', 'false']).transform(v => v === 'true');
const fingerprintSchema = z
  .string()
  .regex(/^[a-z_]{1,20}:\d{1,9}:\d{1,9}:\d{1,9}$/, {
    error: 'must be a fingerprint as prefetchFingerprint makes it',
  });
const waitSecondsSchema = z.coerce
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number' })
  .min(MIN_WAIT_SECONDS, { error: `must be at least ${MIN_WAIT_SECONDS}` })
  .max(MAX_WAIT_SECONDS, { error: `must be at most ${MAX_WAIT_SECONDS}` });

/** The vod plugin's own API, validated against its OpenAPI document. */
export async function createRouter(options: {
  httpAuth: HttpAuthService;
  service: PrefetchService;
  waits: PrefetchWaits;
}): Promise<express.Router> {
  const { httpAuth, service, waits } = options;
  const router = createValidatedOpenApiRouter<typeof spec>(spec);
  const caller = (req: express.Request<any, any, any, any>) =>
    httpAuth.credentials(req, { allow: ['user', 'service'] });
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.post('/prefetches', async (req, res) => {
    const credentials = await caller(req);
    const input = parseInput(createPrefetchRequestSchema, req.body);
    const key = req.header('idempotency-key');
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw new InputError(
        'Idempotency-Key: must be 1 to 255 printable ASCII characters',
      );
    }
    if (parseOptionalInput(booleanSchema, req.query.dryRun, 'dryRun')) {
      res.json(await service.plan(input, credentials, { request: req }));
      return;
    }
    const { prefetch } = await service.create(input, credentials, {
      idempotency: key === undefined ? undefined : { key },
      request: req,
    });
    res.status(202).json(prefetch);
  });

  router.get('/prefetches', async (req, res) => {
    const credentials = await caller(req);
    const q = req.query;
    const pageSize = q.limit === undefined ? DEFAULT_PAGE : Number(q.limit);
    if (!(pageSize >= 1 && pageSize <= MAX_PAGE)) {
      throw new InputError(`limit: must be 1 to ${MAX_PAGE}, got ${q.limit}`);
    }
    res.json(
      await service.list(
        parseListFilter(q),
        { limit: pageSize, cursor: q.cursor },
        credentials,
      ),
    );
  });

  router.get('/prefetches/:id', async (req, res) => {
    // Listening first: a caller who hangs up while being authenticated frees its wait at once.
    const signal = abortOnDisconnect(res);
    const credentials = await caller(req);
    const id = parseInput(prefetchIdSchema, req.params.id, 'id');
    const changedFrom = parseOptionalInput(
      fingerprintSchema,
      req.query.changedFrom,
      'changedFrom',
    );
    const timeoutSeconds = parseOptionalInput(
      waitSecondsSchema,
      req.query.timeoutSeconds,
      'timeoutSeconds',
    );
    if (changedFrom === undefined) {
      if (timeoutSeconds !== undefined) {
        throw new InputError('timeoutSeconds: only with changedFrom');
      }
      res.json(await service.get(id, credentials));
      return;
    }
    const prefetch = await waits.waitForChange(id, changedFrom, {
      credentials,
      timeoutMs: (timeoutSeconds ?? DEFAULT_WAIT_SECONDS) * 1000,
      minWaitMs: MIN_WAIT_SECONDS * 1000,
      signal,
    });
    if (!res.writableEnded && !res.destroyed) res.json(prefetch);
  });

  router.get('/quota', async (req, res) => {
    const credentials = await caller(req);
    res.json(
      await service.quota(
        {
          account: parseOptionalInput(
            accountNameSchema,
            req.query.account,
            'account',
          ),
          entityRef: parseOptionalInput(
            entityRefSchema,
            req.query.entityRef,
            'entityRef',
          ),
        },
        credentials,
      ),
    );
  });

  router.get('/accounts', async (req, res) => {
    res.json(await service.accounts(await caller(req)));
  });

  // The body is read ahead of the validated router, whose own parser's refusals (too large, wrong
  // type or charset, bad encoding) would all turn into a 400 that does not say which.
  const withBody = express.Router();
  withBody.post('/prefetches', readJsonBody('100kb', 'object'));
  withBody.use(router);
  return withBody;
}
