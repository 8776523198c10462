import type { HttpAuthService } from '@backstage/backend-plugin-api';
import { isError } from '@backstage/errors';
import { vodCreatePrefetchRequestSchema } from '@mediaops/backstage-plugin-vod-common';
import express, { Router } from 'express';
import { RateLimitWaitError } from '../huaweicloud/RateLimiter';
import { VodRequestError } from '../huaweicloud/VodRequestError';
import { abortOnDisconnect } from './abortOnDisconnect';
import { UnreadableBodyError } from './errors';
import { formatPath, IDEMPOTENCY_KEY, readJsonBody } from './validation';
import type { SeedCreateOutcome, SeedPrefetches } from './SeedPrefetches';

const PATH = '/v1.0/:projectId/asset/preheating';

/** An error answered in VOD's shape. */
export class SeedError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
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
  seed: SeedPrefetches;
}): Router {
  const { httpAuth, seed } = options;
  const router = Router();
  router.post(PATH, readJsonBody('64kb', 'text'), async (req, res) => {
    try {
      const credentials = await httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      const account = seed.account(req.params.projectId);
      const body = seedBody(req.body);
      const outcome = await seed.create(account, body, credentials, {
        idempotencyKey: idempotencyKeyOf(req),
        request: req,
        signal: abortOnDisconnect(res),
      });
      if (outcome.kind === 'accepted') {
        res.status(202).json({ task_id: outcome.taskId });
      } else {
        throw seedErrorOfOutcome(outcome);
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
      const account = seed.account(req.params.projectId);
      const taskId = req.query.task_id;
      if (typeof taskId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(taskId)) {
        throw illegal(
          'task_id',
          'task_id: is required: one VOD task id (letters, digits, "-" or "_", at most 64)',
        );
      }
      res.json(
        await seed.query(account, taskId, credentials, abortOnDisconnect(res)),
      );
    } catch (error) {
      sendSeedError(res, error);
    }
  });

  // Refused bodies (wrong type or charset, too large, bad encoding, not UTF-8) in the same shape.
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

function idempotencyKeyOf(req: express.Request): string | undefined {
  const key = req.header('idempotency-key');
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw illegal(
      'Idempotency-Key',
      'Idempotency-Key: must be 1 to 255 printable ASCII characters',
    );
  }
  return key;
}

function seedErrorOfOutcome(
  outcome: Exclude<SeedCreateOutcome, { kind: 'accepted' }>,
): SeedError {
  switch (outcome.kind) {
    case 'rejected':
      return new SeedError(400, outcome.code, outcome.message);
    case 'not-sent': {
      if (outcome.problem) {
        return new SeedError(
          502,
          'PORTAL.0502',
          `This portal's VOD account cannot be used at the moment: ${outcome.problem.message} (${outcome.problem.code}). Nothing was sent and no quota was spent.`,
        );
      }
      const seconds = Math.max(1, Math.ceil(outcome.retryAfterMs / 1000));
      return new SeedError(
        429,
        'PORTAL.0429',
        `The prefetch could not be sent to VOD in time (the account's rate limit is taken by earlier prefetches, or VOD is unreachable); nothing was sent and no quota was spent. Retry after ${seconds} s.`,
        { 'Retry-After': String(seconds) },
      );
    }
    case 'in-doubt':
      return new SeedError(
        503,
        'PORTAL.0503',
        `The prefetch (recorded as ${outcome.prefetchId}) was sent to VOD, whose answer is not known yet. Send the same call again (same body, or same Idempotency-Key) to get its task id; it is never sent twice.`,
        { 'Retry-After': '5' },
      );
    case 'no-answer':
    default:
      return new SeedError(
        502,
        'PORTAL.0502',
        `VOD did not answer the prefetch (recorded as ${outcome.prefetchId}): ${outcome.message}. It is not sent again.`,
      );
  }
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
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw illegal('body', 'the body must be a JSON object');
  }
  const result = vodCreatePrefetchRequestSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue.path.length ? String(issue.path[0]) : 'asset_id';
    const where = issue.path.length ? `${formatPath(issue.path)}: ` : '';
    throw illegal(field, `${where}${issue.message}`);
  }
  return result.data;
}

/** The one mapper from any failure to VOD's `{error_code, error_msg}` body. */
export function sendSeedError(res: express.Response, error: unknown) {
  if (res.headersSent || res.destroyed) return;
  const seedError = seedErrorOf(error);
  res
    .status(seedError.httpStatus)
    .set(seedError.headers)
    .json({ error_code: seedError.code, error_msg: seedError.message });
}

function seedErrorOf(error: unknown): SeedError {
  if (error instanceof SeedError) return error;
  if (error instanceof UnreadableBodyError) {
    return new SeedError(
      error.statusCode,
      `PORTAL.0${error.statusCode}`,
      error.message,
    );
  }
  if (error instanceof RateLimitWaitError) {
    const seconds = Math.max(1, Math.ceil(error.retryAfterMs / 1000));
    return new SeedError(
      429,
      'PORTAL.0429',
      `VOD's query rate limit has no free slot now; retry after ${seconds} s`,
      { 'Retry-After': String(seconds) },
    );
  }
  if (error instanceof VodRequestError) return vodFailure(error);
  if (!isError(error))
    return new SeedError(500, 'PORTAL.0500', 'Internal error');
  const status = (error as { status?: unknown }).status;
  if (
    (error as { expose?: unknown }).expose === true &&
    typeof status === 'number' &&
    status >= 400 &&
    status < 500
  ) {
    // A body parser refusal (too large, bad encoding, unknown charset): the client's doing.
    return new SeedError(status, `PORTAL.0${status}`, error.message);
  }
  switch (error.name) {
    case 'InputError':
      return illegal(fieldOf(error.message), error.message);
    case 'AuthenticationError':
      return new SeedError(401, 'PORTAL.0401', error.message);
    case 'NotAllowedError':
      return new SeedError(403, 'PORTAL.0403', error.message);
    case 'NotFoundError':
      return new SeedError(404, 'PORTAL.0404', error.message);
    case 'ConflictError':
      return new SeedError(409, 'PORTAL.0409', error.message);
    case 'QuotaExceededError':
      return new SeedError(429, 'PORTAL.0429', error.message);
    case 'ServiceUnavailableError':
      return new SeedError(503, 'PORTAL.0503', error.message);
    default:
      return new SeedError(500, 'PORTAL.0500', 'Internal error');
  }
}

/**
 * VOD could not be asked, or answered in a way that is the portal's problem, not the caller's:
 * its credentials refused (by VOD or IAM), VOD down or throttling, an answer that is not VOD's
 * documented one. Only VOD's own refusal of the request itself (a 4xx) passes through.
 */
function vodFailure(error: VodRequestError): SeedError {
  const status = error.httpStatus ?? 0;
  if (
    error.kind === 'http' &&
    error.service === 'vod' &&
    status >= 400 &&
    status < 500 &&
    !error.refusedCredentials &&
    !error.isThrottled
  ) {
    return new SeedError(
      status,
      error.errorCode ?? `VOD.0${status}`,
      error.errorMessage ?? error.message,
    );
  }
  if (error.isThrottled) {
    return new SeedError(
      503,
      'PORTAL.0503',
      'VOD is throttling this portal; retry later',
      {
        'Retry-After': '5',
      },
    );
  }
  return new SeedError(
    502,
    'PORTAL.0502',
    error.refusedCredentials
      ? `${
          error.service === 'iam' ? 'IAM' : 'VOD'
        } refused this portal's credentials for the account; an operator must fix them`
      : `VOD did not answer as expected (${error.kind}${
          status ? ` ${status}` : ''
        })`,
  );
}

function fieldOf(message: string): string {
  const match = /^([a-z_]+)(\[\d+\])?:/i.exec(message);
  return match ? match[1] : 'body';
}
