import type { Dispatcher } from 'undici';
import { classifyTransportError } from './VodRequestError';

/** Timeouts of one HTTP call, in ms. */
export interface HttpTimeouts {
  connectMs: number;
  headersMs: number;
  bodyMs: number;
}

export const DEFAULT_TIMEOUTS: HttpTimeouts = {
  connectMs: 5_000,
  headersMs: 15_000,
  bodyMs: 15_000,
};

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  requestId?: string;
}

/** Largest answer body read; VOD's answers are a few KiB at most. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * One HTTP call through undici; transport failures become VodRequestErrors. The whole call,
 * body included, takes at most the sum of the timeouts (undici's body timeout alone only bounds
 * the pause between two chunks), so a claim on a call can be sized to outlive it.
 */
export async function sendHttp(
  dispatcher: Dispatcher,
  request: {
    origin: string;
    path: string;
    method: 'GET' | 'POST';
    headers: Record<string, string>;
    body?: string;
    timeouts: HttpTimeouts;
    /** The whole call's limit, when less than the sum of the timeouts. */
    budgetMs?: number;
    signal?: AbortSignal;
    what: string;
    service?: 'vod' | 'iam';
  },
): Promise<HttpAnswer> {
  const { connectMs, headersMs, bodyMs } = request.timeouts;
  const deadline = AbortSignal.timeout(
    Math.max(
      0,
      Math.floor(
        Math.min(connectMs + headersMs + bodyMs, request.budgetMs ?? Infinity),
      ),
    ),
  );
  const signal = request.signal
    ? AbortSignal.any([request.signal, deadline])
    : deadline;
  try {
    const res = await dispatcher.request({
      origin: request.origin,
      path: request.path,
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal,
      headersTimeout: request.timeouts.headersMs,
      bodyTimeout: request.timeouts.bodyMs,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.body.destroy();
        break;
      }
      chunks.push(chunk);
    }
    const requestId = res.headers['x-request-id'];
    return {
      status: res.statusCode,
      headers: res.headers,
      text: Buffer.concat(chunks).toString('utf8'),
      requestId: Array.isArray(requestId) ? requestId[0] : requestId,
    };
  } catch (error) {
    if (deadline.aborted && !request.signal?.aborted) {
      throw classifyTransportError(
        Object.assign(new Error('the call took longer than its timeouts'), {
          code: 'UND_ERR_BODY_TIMEOUT',
        }),
        request.what,
        request.service,
      );
    }
    throw classifyTransportError(error, request.what, request.service);
  }
}
