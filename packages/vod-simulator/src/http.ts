import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResolvedOptions } from './options';
import type { RecordedCall, SimulatorState } from './state';

export type Route = RecordedCall['route'];

/** What every route of the simulator works on. */
export interface Simulated {
  state: SimulatorState;
  options: ResolvedOptions;
}

/** What a route answers. */
export interface Outcome {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  taskId?: string;
}

export type ParsedBody = { ok: true; value: unknown } | { ok: false };

export function parseJson(body: Buffer | 'too-large'): ParsedBody {
  if (body === 'too-large' || body.length === 0) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

export function authKind(req: IncomingMessage): RecordedCall['auth'] {
  if (req.headers['x-auth-token']) return 'token';
  return req.headers.authorization ? 'aksk' : 'none';
}

export function readBody(
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

/** A JSON answer with VOD's headers; with `slowBodyMs`, the second half of the body comes late. */
export function send(
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

export function json(res: ServerResponse, status: number, payload: unknown) {
  send(res, status, payload);
}

export function sleep(ms: number) {
  return new Promise(resolve => setTimeout(resolve, ms));
}
