import { vodErrorSchema } from '@mediaops/backstage-plugin-vod-common';
import type { z } from 'zod';
import type { ClockSkew } from './clockOffset';
import type { HttpAnswer } from './http';
import { VodRequestError } from './VodRequestError';

/** One of the two calls of VOD's prefetch API. */
export type VodOperation = 'create' | 'query';

/** How errors and log lines name a call: `VOD prefetch create`, `VOD prefetch query`. */
export function vodCallName(operation: VodOperation): string {
  return `VOD prefetch ${operation}`;
}

/**
 * The body of a 2xx answer, held to VOD's documented response schema. Any other body (not JSON,
 * or missing a field the schema needs) is an `invalid-response` error.
 */
export function parseVodResponse<T extends z.ZodType>(
  schema: T,
  answer: HttpAnswer,
  operation: VodOperation,
): z.output<T> {
  let json: unknown;
  try {
    json = JSON.parse(answer.text);
  } catch {
    json = undefined;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new VodRequestError({
      kind: 'invalid-response',
      httpStatus: answer.status,
      requestId: answer.requestId,
      message: `${vodCallName(operation)} answered ${
        answer.status
      } with a body that is not the documented one`,
      mayHaveReachedVod: true,
    });
  }
  return parsed.data;
}

/**
 * The code and message of a refusal's body, VOD's or API Gateway's (`error_code`, `error_msg`);
 * neither when the body is not of that shape (an HTML error page, say).
 */
export function parseVodErrorBody(text: string): {
  errorCode?: string;
  errorMessage?: string;
} {
  try {
    const parsed = vodErrorSchema.safeParse(JSON.parse(text));
    if (parsed.success) {
      return {
        errorCode: parsed.data.error_code,
        errorMessage: parsed.data.error_msg,
      };
    }
  } catch {
    // not JSON: keep the status alone
  }
  return {};
}

/** A non-2xx answer as the error the caller gets. */
export function vodHttpError(
  answer: HttpAnswer,
  what: string,
  errorCode: string | undefined,
  errorMessage: string | undefined,
  clockSkew?: ClockSkew,
): VodRequestError {
  return new VodRequestError({
    kind: 'http',
    httpStatus: answer.status,
    errorCode,
    errorMessage,
    requestId: answer.requestId,
    message: `${what} failed with ${answer.status}${
      errorCode ? ` ${errorCode}` : ''
    }${errorMessage ? `: ${errorMessage}` : ''}`,
    // API Gateway stopped these before VOD: throttled, or the credentials were refused.
    mayHaveReachedVod: ![401, 403, 429].includes(answer.status),
    clockSkew,
  });
}

/** Queries are safe to repeat after throttling, a 5xx or a broken connection. */
export function isRetryableQuery(error: VodRequestError): boolean {
  if (error.kind === 'invalid-response' || error.service === 'iam')
    return false;
  if (error.kind === 'http') {
    return error.httpStatus === 429 || (error.httpStatus ?? 0) >= 500;
  }
  return true;
}

/**
 * How long to wait before the next try of a query: full jitter up to a doubling cap, and after a
 * throttling refusal at least a base delay, so the next try is not immediate.
 */
export function queryBackoffMs(
  attempt: number,
  retry: { baseDelayMs: number; maxDelayMs: number },
  random: () => number,
  error: VodRequestError,
): number {
  const cap = Math.min(
    retry.maxDelayMs,
    retry.baseDelayMs * 2 ** (attempt - 1),
  );
  const jittered = Math.floor(random() * cap);
  return error.isThrottled ? Math.max(jittered, retry.baseDelayMs) : jittered;
}
