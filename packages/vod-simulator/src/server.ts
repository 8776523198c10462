import {
  createServer,
  IncomingMessage,
  Server,
  ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import * as codes from './errors';
import {
  FaultOptions,
  QueuedFault,
  resolveOptions,
  SimulatorOptions,
} from './options';
import { parseQuery, verifyAkSk } from './signature';
import { RecordedCall, SimulatorState } from './state';

/** A running VOD simulator. Everything here is also reachable over HTTP under `/admin`. */
export interface VodSimulator {
  /** Base URL, e.g. http://127.0.0.1:18080 — the account endpoint and the IAM endpoint. */
  url: string;
  port: number;
  /** The calls received so far (oldest first), admin calls excluded. */
  calls(): RecordedCall[];
  /** Forgets tasks, tokens, quota, rate windows, recorded calls and clock offset. */
  reset(): void;
  /** Replaces the probabilistic faults. */
  setFaults(faults: FaultOptions): void;
  /** Queues one-shot faults for the next matching calls. */
  queueFault(...faults: QueuedFault[]): void;
  /** Moves the simulator's clock forward (tasks progress, quota days and tokens expire). */
  advance(ms: number): void;
  close(): Promise<void>;
}

type Route = RecordedCall['route'];

const PREHEATING_PATH = /^\/v1\.0\/([^/]+)\/asset\/preheating\/?$/;

const iamRequest = z.object({
  auth: z.object({
    identity: z.object({
      methods: z.array(z.string()).refine(m => m.includes('password')),
      password: z.object({
        user: z.object({
          name: z.string(),
          password: z.string(),
          domain: z.object({ name: z.string() }),
        }),
      }),
    }),
    scope: z.object({
      project: z
        .union([z.object({ id: z.string() }), z.object({ name: z.string() })])
        .transform(p => p as { id?: string; name?: string }),
    }),
  }),
});

const routes = z.array(z.enum(['create', 'query', 'iam'])).optional();
const faultOptions = z.strictObject({
  rate5xx: z.number().min(0).max(1).optional(),
  rate429: z.number().min(0).max(1).optional(),
  resetRate: z.number().min(0).max(1).optional(),
  latencyMs: z
    .union([
      z.number().nonnegative(),
      z.tuple([z.number().nonnegative(), z.number().nonnegative()]),
    ])
    .optional(),
  slowBodyMs: z.number().nonnegative().optional(),
  routes,
});
const queuedFault = z.strictObject({
  kind: z.enum([
    '500',
    '503',
    '429',
    'reset-before',
    'reset-after',
    'slow-body',
  ]),
  route: z.enum(['create', 'query', 'iam']).optional(),
  delayMs: z.number().nonnegative().optional(),
});

/** Starts a simulator; `port: 0` (the default) picks a free port. */
export async function startVodSimulator(
  input: SimulatorOptions,
): Promise<VodSimulator> {
  const options = resolveOptions(input);
  const state = new SimulatorState(options);
  let faults: FaultOptions = { ...options.faults };
  const queued: QueuedFault[] = [];
  const control = {
    reset: () => {
      state.reset();
      queued.length = 0;
      faults = { ...options.faults };
    },
    setFaults: (next: FaultOptions) => {
      faults = { ...next };
    },
    queueFault: (...next: QueuedFault[]) => {
      queued.push(...next);
    },
    advance: (ms: number) => {
      state.offsetMs += ms;
    },
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(error => {
      if (!res.headersSent) {
        json(res, 500, {
          error_code: codes.INTERNAL_ERROR,
          error_msg: String(error),
        });
      } else {
        res.destroy();
      }
    });
  });
  server.keepAliveTimeout = 60_000;

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const [path, query = ''] = (req.url ?? '/').split('?', 2) as [
      string,
      string?,
    ];
    const method = req.method ?? 'GET';
    const body = await readBody(req, options.maxBodyBytes);

    if (path.startsWith('/admin/') || path === '/health') {
      await admin(method, path, body, res);
      return;
    }

    const preheating = PREHEATING_PATH.exec(path);
    let route: Route = 'unknown';
    if (method === 'POST' && path.replace(/\/$/, '') === '/v3/auth/tokens')
      route = 'iam';
    else if (preheating && method === 'POST') route = 'create';
    else if (preheating && method === 'GET') route = 'query';

    const call: RecordedCall = {
      at: new Date(state.now()).toISOString(),
      method,
      path,
      query,
      route,
      status: 0,
      auth: authKind(req),
    };
    state.record(call);
    let slowBodyMs = 0;
    const reply = (
      status: number,
      payload: unknown,
      extra?: Record<string, string>,
    ) => {
      call.status = status;
      const errorCode = (payload as { error_code?: string } | undefined)
        ?.error_code;
      if (errorCode) call.errorCode = errorCode;
      return send(res, status, payload, extra, slowBodyMs);
    };

    if (body === 'too-large') {
      reply(413, {
        error_code: codes.BODY_TOO_LARGE,
        error_msg: 'Request entity too large',
      });
      return;
    }
    if (route === 'unknown') {
      reply(404, {
        error_code: codes.API_NOT_FOUND,
        error_msg:
          'The API does not exist or has not been published in the environment',
      });
      return;
    }

    // Faults: a queued one-shot first, then the probabilistic ones.
    const fault = takeFault(route);
    if (fault) call.fault = fault.kind;
    const latency =
      faults.latencyMs && appliesTo(route)
        ? state.random.between(faults.latencyMs)
        : 0;
    if (latency > 0) await sleep(latency);
    if (fault?.kind === 'reset-before') {
      call.status = -1;
      req.socket.destroy();
      return;
    }
    if (fault?.kind === '500') {
      reply(500, {
        error_code: codes.INTERNAL_ERROR,
        error_msg: 'Internal server error',
      });
      return;
    }
    if (fault?.kind === '503') {
      reply(503, {
        error_code: codes.BACKEND_UNAVAILABLE,
        error_msg: 'Backend unavailable',
      });
      return;
    }
    if (fault?.kind === '429') {
      reply(429, throttled(route));
      return;
    }
    if (fault?.kind === 'slow-body') slowBodyMs = fault.delayMs ?? 1000;
    else if (faults.slowBodyMs && appliesTo(route))
      slowBodyMs = faults.slowBodyMs;

    const parsed = parseJson(body);
    if (route !== 'iam' && parsed.ok) call.body = parsed.value;

    let outcome: Outcome;
    if (route === 'iam') {
      outcome = iam(parsed);
    } else {
      const projectId = decodeURIComponent(preheating![1]);
      call.projectId = projectId;
      const auth = authenticate(
        req,
        method,
        path,
        query,
        body as Buffer,
        projectId,
      );
      if (!auth.ok) {
        outcome = auth.outcome;
      } else {
        call.accessKeyId = auth.accessKeyId;
        outcome =
          route === 'create'
            ? create(projectId, parsed)
            : queryTask(projectId, query);
      }
    }
    if (outcome.taskId) call.taskId = outcome.taskId;

    if (fault?.kind === 'reset-after') {
      call.status = -1;
      req.socket.destroy();
      return;
    }
    reply(outcome.status, outcome.body, outcome.headers);
  }

  function takeFault(route: Route): QueuedFault | undefined {
    const index = queued.findIndex(f => !f.route || f.route === route);
    if (index >= 0) return queued.splice(index, 1)[0];
    if (!appliesTo(route)) return undefined;
    if (state.random.chance(faults.rate5xx)) return { kind: '503' };
    if (state.random.chance(faults.rate429)) return { kind: '429' };
    if (state.random.chance(faults.resetRate)) return { kind: 'reset-before' };
    return undefined;
  }

  function appliesTo(route: Route): boolean {
    return !faults.routes || faults.routes.includes(route as 'create');
  }

  function authenticate(
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

  function create(projectId: string, parsed: ParsedBody): Outcome {
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

  function queryTask(projectId: string, query: string): Outcome {
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

  function iam(parsed: ParsedBody): Outcome {
    const keystoneError = (
      code: number,
      title: string,
      message: string,
    ): Outcome => ({
      status: code,
      body: { error: { code, title, message } },
    });
    const request = iamRequest.safeParse(parsed.ok ? parsed.value : undefined);
    if (!request.success) {
      return keystoneError(
        400,
        'Bad Request',
        'The request body is not a password authentication with a project scope.',
      );
    }
    const { user } = request.data.auth.identity.password;
    const scope = request.data.auth.scope.project;
    const account = options.accounts.find(
      a =>
        (scope.id ? a.projectId === scope.id : a.projectName === scope.name) &&
        a.iamUsers?.some(
          u =>
            u.domain === user.domain.name &&
            u.name === user.name &&
            u.password === user.password,
        ),
    );
    if (!account) {
      return keystoneError(
        401,
        'Unauthorized',
        'The username or password is wrong.',
      );
    }
    const { token, expiresAt } = state.issueToken(account);
    return {
      status: 201,
      headers: { 'X-Subject-Token': token },
      body: {
        token: {
          methods: ['password'],
          expires_at: keystoneTime(expiresAt),
          issued_at: keystoneTime(state.now()),
          project: {
            id: account.projectId,
            name: account.projectName ?? account.projectId,
          },
          user: { name: user.name, domain: { name: user.domain.name } },
        },
      },
    };
  }

  async function admin(
    method: string,
    path: string,
    body: Buffer | 'too-large',
    res: ServerResponse,
  ) {
    const parsed = parseJson(body);
    const bad = (message: string) => json(res, 400, { error: message });
    if (path === '/health') return json(res, 200, { status: 'ok' });
    if (method === 'GET' && path === '/admin/calls')
      return json(res, 200, { calls: state.calls });
    if (method === 'GET' && path === '/admin/tasks')
      return json(res, 200, { tasks: [...state.tasks.values()] });
    if (method === 'POST' && path === '/admin/reset') {
      control.reset();
      return json(res, 200, { reset: true });
    }
    if (method === 'GET' && path === '/admin/faults')
      return json(res, 200, { faults, queued });
    if (method === 'PUT' && path === '/admin/faults') {
      const result = faultOptions.safeParse(
        parsed.ok ? parsed.value : undefined,
      );
      if (!result.success) return bad(z.prettifyError(result.error));
      control.setFaults(result.data as FaultOptions);
      return json(res, 200, { faults });
    }
    if (method === 'POST' && path === '/admin/faults/queue') {
      const result = z
        .array(queuedFault)
        .safeParse(parsed.ok ? [parsed.value].flat() : undefined);
      if (!result.success) return bad(z.prettifyError(result.error));
      control.queueFault(...(result.data as QueuedFault[]));
      return json(res, 200, { queued });
    }
    if (method === 'POST' && path === '/admin/advance') {
      const result = z
        .object({ ms: z.number().int().nonnegative() })
        .safeParse(parsed.ok ? parsed.value : undefined);
      if (!result.success) return bad(z.prettifyError(result.error));
      control.advance(result.data.ms);
      return json(res, 200, { now: new Date(state.now()).toISOString() });
    }
    return json(res, 404, { error: `no admin route ${method} ${path}` });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const api: VodSimulator = {
    url: `http://${options.host}:${port}`,
    port,
    calls: () => [...state.calls],
    ...control,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close(error => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
  return api;
}

interface Outcome {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  taskId?: string;
}

type ParsedBody = { ok: true; value: unknown } | { ok: false };

function urlStatus(url: { doneAt: number; fails: boolean }, now: number) {
  if (now < url.doneAt) return 'processing';
  return url.fails ? 'failed' : 'succeed';
}

function authKind(req: IncomingMessage): RecordedCall['auth'] {
  if (req.headers['x-auth-token']) return 'token';
  return req.headers.authorization ? 'aksk' : 'none';
}

function parseJson(body: Buffer | 'too-large'): ParsedBody {
  if (body === 'too-large' || body.length === 0) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

function throttled(route: Route) {
  return {
    error_code: codes.THROTTLED,
    error_msg: `The throttling threshold has been reached: policy user over ratelimit (${route})`,
  };
}

function renditionsOf(assetId: string): string[] {
  return ['480X270', '1280X720', '1920X1080'].map(
    size =>
      `https://vod.example.com/asset/${assetId}/play_video/${assetId}_H.264_${size}.mp4`,
  );
}

/** Keystone's timestamp format, with microseconds: 2024-05-21T08:30:00.000000Z. */
function keystoneTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function readBody(
  req: IncomingMessage,
  limit: number,
): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)),
    );
    req.on('error', reject);
  });
}

let requestCounter = 0;

function send(
  res: ServerResponse,
  status: number,
  payload: unknown,
  extra: Record<string, string> = {},
  slowBodyMs = 0,
) {
  const body = Buffer.from(JSON.stringify(payload));
  requestCounter += 1;
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': String(body.length),
    'X-Request-Id': `sim-${process.pid}-${requestCounter}`,
    ...extra,
  });
  if (slowBodyMs <= 0) {
    res.end(body);
    return;
  }
  const half = Math.floor(body.length / 2);
  res.write(body.subarray(0, half));
  setTimeout(() => {
    if (!res.destroyed) res.end(body.subarray(half));
  }, slowBodyMs).unref();
}

function json(res: ServerResponse, status: number, payload: unknown) {
  send(res, status, payload);
}

function sleep(ms: number) {
  return new Promise(resolve => setTimeout(resolve, ms));
}
