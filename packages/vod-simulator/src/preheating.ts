import type { IncomingMessage } from 'node:http';
import * as codes from './errors';
import type { Outcome, ParsedBody, Route, Simulated } from './http';
import { parseQuery, verifyAkSk } from './signature';

/** VOD's preheating API: `POST` (create) and `GET` (query) `/v1.0/{project_id}/asset/preheating`. */
export const PREHEATING_PATH = /^\/v1\.0\/([^/]+)\/asset\/preheating\/?$/;

/** AK/SK (SDK-HMAC-SHA256) or an IAM token, for the project of the path. */
export function authenticate(
  { state, options }: Simulated,
  req: IncomingMessage,
  method: string,
  path: string,
  query: string,
  body: Buffer,
  projectId: string,
): { ok: true; accessKeyId?: string } | { ok: false; outcome: Outcome } {
  const refuse = (status: number, code: string, message: string) => ({
    ok: false as const,
    outcome: { status, body: { error_code: code, error_msg: message } },
  });
  const token = req.headers['x-auth-token'];
  if (typeof token === 'string') {
    const issued = state.tokens.get(token);
    if (!issued) {
      return refuse(
        401,
        codes.AUTH_FAILED,
        'Incorrect IAM authentication information: the token is invalid',
      );
    }
    if (issued.expiresAt <= state.now()) {
      return refuse(401, codes.TOKEN_EXPIRED, 'The token must be updated.');
    }
    if (issued.projectId !== projectId) {
      return refuse(
        403,
        codes.NOT_AUTHORIZED,
        `The token is not scoped to project ${projectId}`,
      );
    }
    return { ok: true };
  }
  if (!req.headers.authorization) {
    return refuse(
      401,
      codes.AUTH_FAILED,
      'Incorrect IAM authentication information: Authorization not found',
    );
  }
  const verification = verifyAkSk(
    { method, path, query, headers: req.headers, body },
    options.accounts,
    state.now(),
    options.maxClockSkewMs,
  );
  if (!verification.ok) {
    return refuse(401, codes.AUTH_FAILED, verification.message);
  }
  if (verification.account.projectId !== projectId) {
    return refuse(
      403,
      codes.NOT_AUTHORIZED,
      `The access key is not authorized for project ${projectId}`,
    );
  }
  return { ok: true, accessKeyId: verification.account.accessKeyId };
}

export function create(
  { state, options }: Simulated,
  projectId: string,
  parsed: ParsedBody,
): Outcome {
  if (!state.admitCall('create', projectId)) {
    return { status: 429, body: throttled('create') };
  }
  const illegal = (field: string): Outcome => ({
    status: 400,
    body: {
      error_code: codes.ILLEGAL_PARAMETER,
      error_msg: `The request parameter is illegal, illegal field: {${field}}.`,
    },
  });
  // Checked by hand, not with a schema: the simulator stands in for VOD and checks the plugin
  // independently (as it checks signatures with its own code), sharing no parsing with it.
  if (
    !parsed.ok ||
    typeof parsed.value !== 'object' ||
    parsed.value === null ||
    Array.isArray(parsed.value)
  ) {
    return illegal('body');
  }
  const { asset_id: assetId, urls } = parsed.value as Record<string, unknown>;
  if ((assetId === undefined) === (urls === undefined)) {
    return illegal('asset_id');
  }
  let targets: string[];
  let units: number;
  if (assetId !== undefined) {
    if (typeof assetId !== 'string' || !/^[0-9a-f]{32}$/.test(assetId)) {
      return illegal('asset_id');
    }
    const asset = options.assets[assetId];
    if (!asset) {
      return {
        status: 400,
        body: {
          error_code: codes.ASSET_NOT_FOUND,
          error_msg: `The media asset ${assetId} does not exist or is not published.`,
        },
      };
    }
    targets = asset.urls?.length ? asset.urls : renditionsOf(assetId);
    units = 1;
  } else {
    if (!Array.isArray(urls) || urls.length < 1 || urls.length > 10) {
      return illegal('urls');
    }
    const trimmed = urls.map(u => (typeof u === 'string' ? u.trim() : ''));
    if (trimmed.some(u => !/^https?:\/\/[^/\s]+/i.test(u))) {
      return illegal('urls');
    }
    targets = trimmed;
    units = trimmed.length;
  }
  if (!state.spendQuota(projectId, units)) {
    return {
      status: 400,
      body: {
        error_code: codes.QUOTA_EXCEEDED,
        error_msg: `The daily prefetch quota of ${options.dailyQuota} media assets is used up.`,
      },
    };
  }
  const task = state.createTask(
    projectId,
    targets,
    assetId as string | undefined,
  );
  return { status: 202, body: { task_id: task.taskId }, taskId: task.taskId };
}

export function queryTask(
  { state }: Simulated,
  projectId: string,
  query: string,
): Outcome {
  if (!state.admitCall('query', projectId)) {
    return { status: 429, body: throttled('query') };
  }
  const taskId = parseQuery(query).task_id;
  if (typeof taskId !== 'string' || !taskId) {
    return {
      status: 400,
      body: {
        error_code: codes.ILLEGAL_PARAMETER,
        error_msg:
          'The request parameter is illegal, illegal field: {task_id}.',
      },
    };
  }
  const task = state.tasks.get(taskId);
  if (!task || task.projectId !== projectId) {
    return {
      status: 404,
      body: {
        error_code: codes.TASK_NOT_FOUND,
        error_msg: `The task ${taskId} does not exist.`,
      },
    };
  }
  const now = state.now();
  return {
    status: 200,
    taskId,
    body: {
      task_id: task.taskId,
      preheating_results: task.urls.map(u => ({
        url: u.url,
        status: urlStatus(u, now),
      })),
    },
  };
}

/** VOD's answer when a route's rate is exceeded. */
export function throttled(route: Route) {
  return {
    error_code: codes.THROTTLED,
    error_msg: `The throttling threshold has been reached: policy user over ratelimit (${route})`,
  };
}

function urlStatus(url: { doneAt: number; fails: boolean }, now: number) {
  if (now < url.doneAt) return 'processing';
  return url.fails ? 'failed' : 'succeed';
}

function renditionsOf(assetId: string): string[] {
  return ['480X270', '1280X720', '1920X1080'].map(
    size =>
      `https://vod.example.com/asset/${assetId}/play_video/${assetId}_H.264_${size}.mp4`,
  );
}
