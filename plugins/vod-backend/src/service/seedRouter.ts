import type { HttpAuthService } from '@backstage/backend-plugin-api';
import { isError } from '@backstage/errors';
import { vodCreatePrefetchRequestSchema } from '@mediaops/backstage-plugin-vod-common';
import express, { Router } from 'express';
import { VodRequestError } from '../huaweicloud/VodRequestError';
import type { PrefetchService } from './PrefetchService';

const PATH = '/v1.0/:projectId/asset/preheating';

/** An error answered in VOD's shape. */
export class SeedError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * VOD's own contract, verbatim, behind portal auth: anything that speaks the VOD API can call the
 * portal instead of holding keys. Its own router, ahead of the validated one, so that every
 * answer — including bad JSON — keeps VOD's `{error_code, error_msg}` shape. (A call with no
 * Backstage token at all is refused by Backstage's auth barrier before it gets here.)
 */
export function createSeedRouter(options: {
  httpAuth: HttpAuthService;
  service: PrefetchService;
}): Router {
  const { httpAuth, service } = options;
  const router = Router();
  router.use(PATH, express.text({ type: () => true, limit: '64kb' }));

  router.post(PATH, async (req, res) => {
    try {
      const credentials = await httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      const account = accountOf(service, req.params.projectId);
      const body = seedBody(req.body);
      // At most 10 URLs or one asset: one VOD call.
      const { prefetch, outcomes } = await service.createAndSend(
        {
          account: account.config.name,
          assetId: body.asset_id,
          urls: body.urls,
        },
        credentials,
        req,
      );
      const [outcome] = outcomes;
      if (outcome?.kind === 'accepted') {
        res.status(202).json({ task_id: outcome.taskId });
      } else if (outcome?.kind === 'rejected') {
        throw new SeedError(400, outcome.code, outcome.message);
      } else {
        throw new SeedError(
          503,
          'PORTAL.0503',
          `VOD did not confirm the prefetch; it is recorded as ${prefetch.id} and stays queued`,
        );
      }
    } catch (error) {
      sendSeedError(res, error);
    }
  });

  router.get(PATH, async (req, res) => {
    try {
      const credentials = await httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      const account = accountOf(service, req.params.projectId);
      const taskId = req.query.task_id;
      if (typeof taskId !== 'string' || !taskId) {
        throw illegal('task_id', 'task_id: is required');
      }
      res.json(
        await service.queryTask(account.config.name, taskId, credentials),
      );
    } catch (error) {
      sendSeedError(res, error);
    }
  });

  // Body parser failures (too large, bad encoding) in the same shape.
  router.use(
    PATH,
    (
      error: unknown,
      _req: express.Request,
      res: express.Response,
      next: express.NextFunction,
    ) => {
      if (res.headersSent) return next(error);
      return sendSeedError(res, error);
    },
  );
  return router;
}

function accountOf(service: PrefetchService, projectId: string) {
  const account = service.accountByProject(projectId);
  if (!account) {
    throw new SeedError(
      404,
      'PORTAL.0404',
      `No VOD account of this portal has project ${projectId}`,
    );
  }
  return account;
}

function illegal(field: string, detail: string): SeedError {
  return new SeedError(
    400,
    'VOD.10053',
    `The request parameter is illegal, illegal field: {${field}}. ${detail}`,
  );
}

function seedBody(text: unknown) {
  let json: unknown;
  try {
    json = JSON.parse(typeof text === 'string' ? text : '');
  } catch {
    throw illegal('body', 'the body is not JSON');
  }
  const result = vodCreatePrefetchRequestSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue.path.length ? String(issue.path[0]) : 'asset_id';
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    throw illegal(field, `${where}${issue.message}`);
  }
  return result.data;
}

/** The one mapper from any failure to VOD's `{error_code, error_msg}` body. */
export function sendSeedError(res: express.Response, error: unknown) {
  const [status, code, message] = seedErrorOf(error);
  res.status(status).json({ error_code: code, error_msg: message });
}

function seedErrorOf(error: unknown): [number, string, string] {
  if (error instanceof SeedError)
    return [error.httpStatus, error.code, error.message];
  if (error instanceof VodRequestError) {
    return [
      error.httpStatus ?? 502,
      error.errorCode ?? 'PORTAL.0502',
      error.errorMessage ?? error.message,
    ];
  }
  if (!isError(error)) return [500, 'PORTAL.0500', 'Internal error'];
  switch (error.name) {
    case 'InputError':
      return [
        400,
        'VOD.10053',
        `The request parameter is illegal, illegal field: {${fieldOf(
          error.message,
        )}}. ${error.message}`,
      ];
    case 'AuthenticationError':
      return [401, 'PORTAL.0401', error.message];
    case 'NotAllowedError':
      return [403, 'PORTAL.0403', error.message];
    case 'NotFoundError':
      return [404, 'PORTAL.0404', error.message];
    case 'QuotaExceededError':
      return [429, 'PORTAL.0429', error.message];
    case 'PayloadTooLargeError':
      return [413, 'PORTAL.0413', 'The request body is too large'];
    default:
      return [500, 'PORTAL.0500', 'Internal error'];
  }
}

function fieldOf(message: string): string {
  const match = /^([a-z_]+)(\[\d+\])?:/i.exec(message);
  return match ? match[1] : 'body';
}
