import {
  createServer,
  IncomingMessage,
  Server,
  ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { admin, Control } from './admin';
import * as codes from './errors';
import { Faults, queuedFaultSchema } from './faults';
import {
  authKind,
  json,
  Outcome,
  parseJson,
  readBody,
  Route,
  send,
  sleep,
} from './http';
import { iamToken } from './iam';
import {
  FaultOptions,
  QueuedFault,
  resolveOptions,
  SimulatorOptions,
} from './options';
import {
  authenticate,
  create,
  PREHEATING_PATH,
  queryTask,
  throttled,
} from './preheating';
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

/** Starts a simulator; `port: 0` (the default) picks a free port. */
export async function startVodSimulator(
  input: SimulatorOptions,
): Promise<VodSimulator> {
  const options = resolveOptions(input);
  const state = new SimulatorState(options);
  const faults = new Faults(options.faults, () => state.random);
  const control: Control = {
    reset: () => {
      state.reset();
      faults.reset();
    },
    setFaults: (next: FaultOptions) => {
      faults.current = { ...next };
    },
    queueFault: (...next: QueuedFault[]) => {
      faults.queued.push(...next.map(f => queuedFaultSchema.parse(f)));
    },
    advance: (ms: number) => {
      state.offsetMs += ms;
    },
  };
  const simulated = { state, options };

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

  /** Records the call, plays its fault, and answers from its route. */
  async function handle(req: IncomingMessage, res: ServerResponse) {
    // Every answer is dated by the simulator's clock, as API Gateway dates its own (Node would
    // date it by the machine's): a client learns the server time from it.
    res.setHeader('Date', httpDate(state.now()));
    const [path, query = ''] = (req.url ?? '/').split('?', 2) as [
      string,
      string?,
    ];
    const method = req.method ?? 'GET';
    const body = await readBody(req, options.maxBodyBytes);

    if (path.startsWith('/admin/') || path === '/health') {
      await admin({ ...simulated, faults, control }, method, path, body, res);
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
      // Dated when answered: a fault's latency has passed, and the clock may have moved.
      res.setHeader('Date', httpDate(state.now()));
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
    const parsed = parseJson(body);
    const assetId = parsed.ok
      ? (parsed.value as { asset_id?: unknown } | null)?.asset_id
      : undefined;
    const fault = faults.take(
      route,
      typeof assetId === 'string' ? assetId : undefined,
    );
    if (fault) call.fault = fault.kind;
    const latency = faults.latencyMs(route);
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
    slowBodyMs =
      fault?.kind === 'slow-body'
        ? fault.delayMs ?? 1000
        : faults.slowBodyMs(route);

    if (route !== 'iam' && parsed.ok) call.body = parsed.value;

    let outcome: Outcome;
    if (route === 'iam') {
      outcome = iamToken(simulated, parsed);
    } else {
      const projectId = decodeURIComponent(preheating![1]);
      call.projectId = projectId;
      const auth = authenticate(
        simulated,
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
            ? create(simulated, projectId, parsed)
            : queryTask(simulated, projectId, query);
      }
    }
    if (outcome.taskId) call.taskId = outcome.taskId;

    if (fault?.kind === 'reset-after') {
      call.status = -1;
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'timeout') {
      // Processed, but the answer comes later than a client waits.
      await sleep(faults.timeoutMs());
    }
    reply(outcome.status, outcome.body, outcome.headers);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
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
}

/** An HTTP date (RFC 9110 IMF-fixdate), e.g. `Wed, 25 Nov 2026 10:00:00 GMT`. */
function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}
