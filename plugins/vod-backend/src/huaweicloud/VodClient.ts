import {
  vodCreatePrefetchResponseSchema,
  vodQueryPrefetchResponseSchema,
  MAX_URLS_PER_VOD_TASK,
  VodQueryPrefetchResponse,
} from '@mediaops/backstage-plugin-vod-common';
import { Dispatcher, Pool } from 'undici';
import { ClockSkew, describeClockSkew, SigningClock } from './clockOffset';
import { DEFAULT_TIMEOUTS, HttpAnswer, HttpTimeouts, sendHttp } from './http';
import type { IamTokenProvider } from './IamTokenProvider';
import {
  CallRate,
  LimiterClock,
  RateLimiter,
  systemClock,
} from './RateLimiter';
import { redactCredentials } from './redact';
import { encodeRfc3986, signRequest, SigningCredentials } from './signer';
import {
  isRetryableQuery,
  parseVodErrorBody,
  queryBackoffMs,
  parseVodResponse,
  vodCallName,
  vodHttpError,
  VodOperation,
} from './vodResponses';
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
  /** Tries of a query in all, the first included; default 3. (A create is tried once.) */
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
  /**
   * Shapes the calls of every process using this account to its one rate (given this process's
   * limiter of the operation); default: this process's limiter alone.
   */
  sharedRate?: (operation: VodOperation, local: RateLimiter) => CallRate;
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

/**
 * Huawei Cloud VOD's CDN prefetch API for one account: `POST` and `GET
 * {endpoint}/v1.0/{project_id}/asset/preheating`, signed and rate-shaped. A create is one call,
 * never repeated here (whoever sends it decides what a failure means for the prefetch) but for
 * one re-send when API Gateway refused its signature time, before VOD; a query is retried, each
 * try in its own rate slot.
 */
export class VodClient {
  private readonly origin: string;
  private readonly basePath: string;
  private readonly host: string;
  private readonly timeouts: HttpTimeouts;
  private readonly retry: RetryOptions;
  private readonly limiters: Record<VodOperation, CallRate>;
  private readonly dispatcher: Dispatcher;
  private readonly clock: LimiterClock;
  private readonly random: () => number;
  /** The clock plus the offset learnt from API Gateway's refusals of skewed signatures. */
  private readonly signingClock: SigningClock;

  /** The client of one account; `close()` it when done (a `dispatcher` given is its giver's). */
  static create(options: VodClientOptions): VodClient {
    return new VodClient(options);
  }

  private constructor(private readonly options: VodClientOptions) {
    const endpoint = new URL(options.endpoint);
    this.origin = endpoint.origin;
    this.basePath = endpoint.pathname.replace(/\/+$/, '');
    this.host = endpoint.host;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.retry = {
      attempts: 3,
      baseDelayMs: 200,
      maxDelayMs: 5_000,
      ...options.retry,
    };
    this.clock = options.clock ?? systemClock;
    const limiter = (
      operation: VodOperation,
      perMinute: number | undefined,
      fallback: number,
    ) => {
      const local = new RateLimiter(perMinute ?? fallback, 60_000, this.clock);
      return options.sharedRate?.(operation, local) ?? local;
    };
    this.limiters = {
      create: limiter('create', options.rateLimits?.createsPerMinute, 10),
      query: limiter('query', options.rateLimits?.queriesPerMinute, 100),
    };
    this.dispatcher =
      options.dispatcher ??
      new Pool(endpoint.origin, {
        connections: 8,
        keepAliveTimeout: 30_000,
        connect: { timeout: this.timeouts.connectMs },
      });
    this.random = options.random ?? Math.random;
    this.signingClock = new SigningClock(this.clock);
  }

  /**
   * Asks VOD to prefetch an asset or up to 10 URLs, once, in the account's next create slot;
   * resolves with VOD's task id. `beforeSend` runs after the slot and the credentials are ready,
   * right before the request is written (the dispatcher claims the task there): if it throws,
   * nothing is sent and the slot is given back. `signal` stops the waiting, never a call that
   * has been written.
   */
  async createPrefetch(
    target: PrefetchTarget,
    options: { signal?: AbortSignal; beforeSend?: () => Promise<void> } = {},
  ): Promise<CreatedTask> {
    const { signal, beforeSend } = options;
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
    const answer = await this.attempt('create', '', body, {
      signal,
      beforeSend,
    });
    const parsed = parseVodResponse(
      vodCreatePrefetchResponseSchema,
      answer,
      'create',
    );
    return { taskId: parsed.task_id, requestId: answer.requestId };
  }

  /**
   * The per-URL state of a task: `processing`, `succeed` or `failed`. With `spareOnly`, each try
   * takes a rate slot only if one is free at once with half the account's query rate left over
   * (RateLimitWaitError otherwise): such queries never hold up, nor use up, the poller's share.
   */
  async queryPrefetch(
    taskId: string,
    options: { signal?: AbortSignal; spareOnly?: boolean } = {},
  ): Promise<VodQueryPrefetchResponse> {
    const query = `task_id=${encodeRfc3986(taskId)}`;
    const what = vodCallName('query');
    let tokenRetried = false;
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.attempt('query', query, undefined, options);
        return parseVodResponse(
          vodQueryPrefetchResponseSchema,
          answer,
          'query',
        );
      } catch (error) {
        if (!(error instanceof VodRequestError)) throw error;
        // A refused token was forgotten: one more try, at once, with a new one.
        if (
          error.httpStatus === 401 &&
          error.service === 'vod' &&
          this.options.auth.type === 'token' &&
          !tokenRetried
        ) {
          tokenRetried = true;
          attempt--;
          continue;
        }
        if (attempt >= this.retry.attempts || !isRetryableQuery(error)) {
          throw error;
        }
        const delay = queryBackoffMs(attempt, this.retry, this.random, error);
        this.options.logger?.warn(
          this.redact(
            `${what} failed (${error.message}); try ${
              attempt + 1
            } in ${delay} ms`,
          ),
        );
        await this.clock.sleep(delay, options.signal);
      }
    }
  }

  /** How long a create asked now would wait for its rate slot, in ms. */
  expectedCreateWait(): number {
    return this.limiters.create.expectedWait();
  }

  /** Closes the connection pool, if the client made it. */
  async close(): Promise<void> {
    // A dispatcher given in the options is its giver's to close.
    if (!this.options.dispatcher) {
      await this.dispatcher.close();
    }
  }

  /**
   * One call in its own rate slot. A token VOD refuses (401) is forgotten, so the next call
   * fetches a new one. A signature API Gateway refuses for its time is sent once more, at once,
   * signed by the server's time, which later calls of this client keep to.
   */
  private async attempt(
    operation: VodOperation,
    query: string,
    body: string | undefined,
    options: {
      signal?: AbortSignal;
      spareOnly?: boolean;
      beforeSend?: () => Promise<void>;
    },
  ): Promise<HttpAnswer> {
    const { signal, spareOnly, beforeSend } = options;
    const what = vodCallName(operation);
    const limiter = this.limiters[operation];
    const slot = spareOnly
      ? await limiter.spareSlot(Math.ceil(limiter.limit / 2))
      : await limiter.acquire(signal);
    let request: Awaited<ReturnType<VodClient['buildRequest']>>;
    try {
      request = await this.buildRequest(query, body, signal);
      await beforeSend?.();
    } catch (error) {
      slot.release(); // nothing was sent
      throw error;
    }
    const { connectMs, headersMs, bodyMs } = this.timeouts;
    const budgetMs = connectMs + headersMs + bodyMs;
    const started = performance.now();
    try {
      for (let leftMs = budgetMs, resent = false; ; resent = true) {
        const answer = await sendHttp(this.dispatcher, {
          origin: this.origin,
          path: request.path,
          method: body === undefined ? 'GET' : 'POST',
          headers: request.headers,
          body,
          timeouts: this.timeouts,
          budgetMs: leftMs,
          // A create once written is never abandoned: only its answer tells whether VOD has it.
          signal: operation === 'query' ? signal : undefined,
          what,
        });
        if (answer.status >= 200 && answer.status < 300) return answer;
        if (
          answer.status === 401 &&
          request.token &&
          this.options.auth.type === 'token'
        ) {
          this.options.auth.tokens.invalidate(request.token);
        }
        const refusal = this.signingClock.refusal(answer, request.signedAt);
        const error = this.httpError(
          answer,
          what,
          request.token,
          refusal?.skew,
        );
        if (!refusal) throw error;
        // The one re-send of a create in this client, safe because API Gateway refused the
        // signature (401) before the call could reach VOD: VOD has nothing to duplicate. Once, in
        // the same rate slot and within one call's timeouts (the claim taken in beforeSend covers
        // one call), so a refusal the corrected clock does not cure surfaces as it is.
        leftMs = budgetMs - (performance.now() - started);
        const resend =
          refusal.skew !== undefined &&
          !resent &&
          error.httpStatus === 401 &&
          !error.mayHaveReachedVod &&
          leftMs >= budgetMs / 2;
        this.options.logger?.warn(
          describeClockSkew(what, refusal.skew, resend),
        );
        if (!resend) throw error;
        request = await this.buildRequest(query, body, signal);
      }
    } finally {
      // However it ended, the call reached VOD by now if at all: the latest it can count from.
      // Not waited for: the call `limit` places on checks it a window later.
      void slot.ended?.();
    }
  }

  private async buildRequest(
    query: string,
    body: string | undefined,
    signal?: AbortSignal,
  ) {
    const { projectId, auth } = this.options;
    const path = `${this.basePath}/v1.0/${encodeRfc3986(
      projectId,
    )}/asset/preheating`;
    const headers: Record<string, string> = { 'X-Project-Id': projectId };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    const pathAndQuery = query ? `${path}?${query}` : path;
    if (auth.type === 'token') {
      const token = await auth.tokens.getToken(signal);
      return {
        path: pathAndQuery,
        headers: { ...headers, 'X-Auth-Token': token },
        token,
        signedAt: undefined,
      };
    }
    const signedAt = this.signingClock.now();
    const signed = signRequest(
      {
        method: body === undefined ? 'GET' : 'POST',
        host: this.host,
        path,
        query,
        headers,
        body,
      },
      auth.credentials(),
      new Date(signedAt),
    );
    return { path: pathAndQuery, headers: signed, token: undefined, signedAt };
  }

  /**
   * Removes every credential this client holds from text about to be logged, and the token the
   * call was sent with (forgotten already if VOD refused it).
   */
  private redact(text: string, sentToken?: string): string {
    const { auth } = this.options;
    if (auth.type === 'token') {
      return redactCredentials(text, [auth.tokens.currentToken, sentToken]);
    }
    const { secretAccessKey, securityToken } = auth.credentials();
    return redactCredentials(text, [secretAccessKey, securityToken]);
  }

  private httpError(
    answer: HttpAnswer,
    what: string,
    sentToken?: string,
    clockSkew?: ClockSkew,
  ): VodRequestError {
    const refusal = parseVodErrorBody(answer.text);
    const { errorCode } = refusal;
    let { errorMessage } = refusal;
    if (errorMessage && /canonical\s*request/i.test(errorMessage)) {
      // API Gateway explains a signature refusal with the canonical request it computed: useful
      // for clock-skew and signing bugs, but only for whoever reads the debug log, and only
      // without the credential headers it echoes.
      this.options.logger?.debug(
        this.redact(`${what}: ${errorCode} ${errorMessage}`, sentToken),
      );
      errorMessage = errorMessage
        .replace(/[,;]?\s*canonical\s*request.*$/is, '')
        .trim();
    }
    return vodHttpError(answer, what, errorCode, errorMessage, clockSkew);
  }
}
