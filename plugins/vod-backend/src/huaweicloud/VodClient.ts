import {
  vodCreatePrefetchResponseSchema,
  vodErrorSchema,
  vodQueryPrefetchResponseSchema,
  MAX_URLS_PER_VOD_TASK,
  VodQueryPrefetchResponse,
} from '@mediaops/backstage-plugin-vod-common';
import { Dispatcher, Pool } from 'undici';
import type { z } from 'zod';
import { DEFAULT_TIMEOUTS, HttpAnswer, HttpTimeouts, sendHttp } from './http';
import type { IamTokenProvider } from './IamTokenProvider';
import { LimiterClock, RateLimiter, systemClock } from './RateLimiter';
import { encodeRfc3986, signRequest, SigningCredentials } from './signer';
import { VodRequestError } from './VodRequestError';

/** How the client authenticates: AK/SK signing, or an IAM user token. */
export type VodAuth =
  | {
      type: 'aksk';
      /** Read on every call, so rotated keys apply without a new client. */
      credentials: () => SigningCredentials;
    }
  | { type: 'token'; tokens: IamTokenProvider };

export interface RetryOptions {
  /** Tries in all, the first included; default 3. */
  attempts: number;
  /** First backoff; doubled on each retry, with full jitter. Default 200 ms. */
  baseDelayMs: number;
  /** Backoff cap; default 5 s. */
  maxDelayMs: number;
}

export interface VodClientOptions {
  /** e.g. https://vod.cn-north-4.myhuaweicloud.com (a path prefix is kept). */
  endpoint: string;
  projectId: string;
  auth: VodAuth;
  timeouts?: Partial<HttpTimeouts>;
  retry?: Partial<RetryOptions>;
  /** Calls VOD accepts per rolling minute; defaults are the lower of Huawei's figures. */
  rateLimits?: { createsPerMinute?: number; queriesPerMinute?: number };
  /** Default: one keep-alive undici Pool for the endpoint's origin. */
  dispatcher?: Dispatcher;
  clock?: LimiterClock;
  /** [0, 1) for the backoff jitter; default Math.random. */
  random?: () => number;
  logger?: { debug(message: string): void; warn(message: string): void };
}

/** What a prefetch is of: a published asset, or up to 10 of its streaming URLs. */
export type PrefetchTarget = { assetId: string } | { urls: string[] };

export interface CreatedTask {
  taskId: string;
  requestId?: string;
}

type Operation = 'create' | 'query';

/**
 * Huawei Cloud VOD's CDN prefetch API for one account: `POST` and `GET
 * {endpoint}/v1.0/{project_id}/asset/preheating`, signed, rate-shaped and retried where a retry
 * cannot spend quota twice.
 */
export class VodClient {
  private readonly origin: string;
  private readonly basePath: string;
  private readonly host: string;

  private constructor(
    endpoint: URL,
    private readonly projectId: string,
    private readonly auth: VodAuth,
    private readonly timeouts: HttpTimeouts,
    private readonly retry: RetryOptions,
    private readonly limiters: Record<Operation, RateLimiter>,
    private readonly dispatcher: Dispatcher,
    private readonly ownsDispatcher: boolean,
    private readonly clock: LimiterClock,
    private readonly random: () => number,
    private readonly logger?: VodClientOptions['logger'],
  ) {
    this.origin = endpoint.origin;
    this.basePath = endpoint.pathname.replace(/\/+$/, '');
    this.host = endpoint.host;
  }

  static create(options: VodClientOptions): VodClient {
    const endpoint = new URL(options.endpoint);
    const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    const clock = options.clock ?? systemClock;
    const dispatcher =
      options.dispatcher ??
      new Pool(endpoint.origin, {
        connections: 8,
        keepAliveTimeout: 30_000,
        connect: { timeout: timeouts.connectMs },
      });
    return new VodClient(
      endpoint,
      options.projectId,
      options.auth,
      timeouts,
      { attempts: 3, baseDelayMs: 200, maxDelayMs: 5_000, ...options.retry },
      {
        create: new RateLimiter(
          options.rateLimits?.createsPerMinute ?? 10,
          60_000,
          clock,
        ),
        query: new RateLimiter(
          options.rateLimits?.queriesPerMinute ?? 100,
          60_000,
          clock,
        ),
      },
      dispatcher,
      !options.dispatcher,
      clock,
      options.random ?? Math.random,
      options.logger,
    );
  }

  /**
   * Waits for a free create slot of the account's rate. A caller that must record "about to send"
   * just before the call takes the slot first and passes `slotReserved` to createPrefetch.
   */
  async reserveCreateSlot(signal?: AbortSignal): Promise<void> {
    await this.limiters.create.acquire(signal);
  }

  /** Asks VOD to prefetch an asset or up to 10 URLs; resolves with VOD's task id. */
  async createPrefetch(
    target: PrefetchTarget,
    options: { signal?: AbortSignal; slotReserved?: boolean } = {},
  ): Promise<CreatedTask> {
    const { signal, slotReserved } = options;
    if (
      'urls' in target &&
      (target.urls.length === 0 || target.urls.length > MAX_URLS_PER_VOD_TASK)
    ) {
      throw new RangeError(
        `a VOD prefetch call takes 1 to ${MAX_URLS_PER_VOD_TASK} URLs, got ${target.urls.length}`,
      );
    }
    const body = JSON.stringify(
      'assetId' in target
        ? { asset_id: target.assetId }
        : { urls: target.urls },
    );
    const answer = await this.call('create', '', body, signal, slotReserved);
    const parsed = parse(vodCreatePrefetchResponseSchema, answer, 'create');
    return { taskId: parsed.task_id, requestId: answer.requestId };
  }

  /** The per-URL state of a task: `processing`, `succeed` or `failed`. */
  async queryPrefetch(
    taskId: string,
    signal?: AbortSignal,
  ): Promise<VodQueryPrefetchResponse> {
    const answer = await this.call(
      'query',
      `task_id=${encodeRfc3986(taskId)}`,
      undefined,
      signal,
    );
    return parse(vodQueryPrefetchResponseSchema, answer, 'query');
  }

  /** Closes the connection pool, if the client made it. */
  async close(): Promise<void> {
    if (this.ownsDispatcher) {
      await this.dispatcher.close();
    }
  }

  private async call(
    operation: Operation,
    query: string,
    body: string | undefined,
    signal?: AbortSignal,
    slotReserved = false,
  ): Promise<HttpAnswer> {
    const what =
      operation === 'create' ? 'VOD prefetch create' : 'VOD prefetch query';
    let tokenRetried = false;
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1 || !slotReserved) {
        await this.limiters[operation].acquire(signal);
      }
      let sentToken: string | undefined;
      try {
        const request = await this.buildRequest(query, body, signal);
        sentToken = request.token;
        const answer = await sendHttp(this.dispatcher, {
          origin: this.origin,
          path: request.path,
          method: body === undefined ? 'GET' : 'POST',
          headers: request.headers,
          body,
          timeouts: this.timeouts,
          signal,
          what,
        });
        if (answer.status >= 200 && answer.status < 300) {
          return answer;
        }
        throw this.httpError(answer, what);
      } catch (error) {
        if (!(error instanceof VodRequestError)) throw error;
        // A refused token is fetched anew once; that retry is free.
        if (
          error.httpStatus === 401 &&
          sentToken &&
          this.auth.type === 'token' &&
          !tokenRetried
        ) {
          this.auth.tokens.invalidate(sentToken);
          tokenRetried = true;
          attempt--;
          continue;
        }
        if (attempt >= this.retry.attempts || !isRetryable(operation, error)) {
          throw error;
        }
        const delay = this.backoff(attempt, error);
        this.logger?.warn(
          `${what} failed (${error.message}); try ${
            attempt + 1
          } in ${delay} ms`,
        );
        await this.clock.sleep(delay, signal);
      }
    }
  }

  private async buildRequest(
    query: string,
    body: string | undefined,
    signal?: AbortSignal,
  ) {
    const path = `${this.basePath}/v1.0/${encodeRfc3986(
      this.projectId,
    )}/asset/preheating`;
    const headers: Record<string, string> = { 'X-Project-Id': this.projectId };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    const pathAndQuery = query ? `${path}?${query}` : path;
    if (this.auth.type === 'token') {
      const token = await this.auth.tokens.getToken(signal);
      return {
        path: pathAndQuery,
        headers: { ...headers, 'X-Auth-Token': token },
        token,
      };
    }
    const signed = signRequest(
      {
        method: body === undefined ? 'GET' : 'POST',
        host: this.host,
        path,
        query,
        headers,
        body,
      },
      this.auth.credentials(),
      new Date(this.clock.now()),
    );
    return { path: pathAndQuery, headers: signed, token: undefined };
  }

  private httpError(answer: HttpAnswer, what: string): VodRequestError {
    let errorCode: string | undefined;
    let errorMessage: string | undefined;
    try {
      const parsed = vodErrorSchema.safeParse(JSON.parse(answer.text));
      if (parsed.success) {
        errorCode = parsed.data.error_code;
        errorMessage = parsed.data.error_msg;
      }
    } catch {
      // not JSON: keep the status alone
    }
    if (errorMessage && /canonical\s*request/i.test(errorMessage)) {
      // API Gateway explains a signature refusal with the canonical request it computed: useful
      // for clock-skew and signing bugs, but only for whoever reads the debug log.
      this.logger?.debug(`${what}: ${errorCode} ${errorMessage}`);
      errorMessage = errorMessage
        .replace(/[,;]?\s*canonical\s*request.*$/is, '')
        .trim();
    }
    return new VodRequestError({
      kind: 'http',
      httpStatus: answer.status,
      errorCode,
      errorMessage,
      requestId: answer.requestId,
      message: `${what} failed with ${answer.status}${
        errorCode ? ` ${errorCode}` : ''
      }${errorMessage ? `: ${errorMessage}` : ''}`,
      // 429 is API Gateway throttling: the call stopped there.
      mayHaveReachedVod: answer.status !== 429,
    });
  }

  private backoff(attempt: number, error: VodRequestError): number {
    const cap = Math.min(
      this.retry.maxDelayMs,
      this.retry.baseDelayMs * 2 ** (attempt - 1),
    );
    const jittered = Math.floor(this.random() * cap);
    // After a throttling refusal wait at least a base delay, so the next try is not immediate.
    return error.isThrottled
      ? Math.max(jittered, this.retry.baseDelayMs)
      : jittered;
  }
}

/**
 * Queries are safe to repeat. A create is repeated only when it surely did not reach VOD (the
 * connection never opened, or API Gateway throttled it): a create that may have been received
 * would spend quota again.
 */
function isRetryable(operation: Operation, error: VodRequestError): boolean {
  if (error.kind === 'invalid-response') return false;
  if (operation === 'create') {
    return error.isThrottled || !error.mayHaveReachedVod;
  }
  if (error.kind === 'http') {
    return error.httpStatus === 429 || (error.httpStatus ?? 0) >= 500;
  }
  return true;
}

function parse<T extends z.ZodType>(
  schema: T,
  answer: HttpAnswer,
  operation: Operation,
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
      message: `VOD prefetch ${operation} answered ${answer.status} with a body that is not the documented one`,
      mayHaveReachedVod: true,
    });
  }
  return parsed.data;
}
