import { Dispatcher, Pool } from 'undici';
import { DEFAULT_TIMEOUTS, HttpTimeouts, sendHttp } from './http';
import { VodRequestError } from './VodRequestError';

/** An IAM user who may obtain tokens scoped to the account's project (password method). */
export interface IamUserCredentials {
  /** IAM endpoint, e.g. https://iam.cn-north-4.myhuaweicloud.com */
  endpoint: string;
  domainName: string;
  userName: string;
  password: string;
  projectId: string;
}

export interface IamTokenProviderOptions {
  credentials: IamUserCredentials;
  /** Renew this long before the token expires; default 1 hour (tokens live 24 hours). */
  refreshBeforeMs?: number;
  timeouts?: HttpTimeouts;
  dispatcher?: Dispatcher;
  now?: () => number;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/**
 * After a failed token request, how long callers are answered with that failure before IAM is
 * asked again: doubling from `firstMs` up to `maxMs`. A refused password backs off for minutes,
 * so that the portal never locks the IAM user out; an unreachable IAM for seconds.
 */
const FAILURE_BACKOFF = {
  // Huawei IAM locks a user out after a few failed logins within minutes; several replicas
  // each back off on their own, so the first pause is long.
  refused: { firstMs: 15 * 60_000, maxMs: 2 * 3600_000 },
  transient: { firstMs: 1_000, maxMs: 60_000 },
};

/**
 * IAM user tokens for `X-Auth-Token` auth: obtained from `POST /v3/auth/tokens` (the token is the
 * `X-Subject-Token` answer header), cached, renewed before they expire, one request in flight at
 * a time however many callers wait. A failure is remembered and backed off (see
 * FAILURE_BACKOFF), so many callers, or a poller with many due tasks, cost IAM one request.
 */
export class IamTokenProvider {
  private cached?: CachedToken;
  private inFlight?: Promise<CachedToken>;
  private failure?: { error: unknown; until: number; backoffMs: number };
  /** Counts credential changes: a request started with older ones decides nothing. */
  private generation = 0;

  private constructor(
    private credentials: IamUserCredentials,
    private readonly refreshBeforeMs: number,
    private readonly timeouts: HttpTimeouts,
    private readonly dispatcher: Dispatcher,
    private readonly now: () => number,
  ) {}

  static create(options: IamTokenProviderOptions): IamTokenProvider {
    const origin = new URL(options.credentials.endpoint).origin;
    const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
    return new IamTokenProvider(
      options.credentials,
      options.refreshBeforeMs ?? 3600_000,
      timeouts,
      options.dispatcher ??
        new Pool(origin, {
          connections: 2,
          connect: { timeout: timeouts.connectMs },
        }),
      options.now ?? Date.now,
    );
  }

  /** A valid token, fetching one when there is none or it is about to expire. */
  async getToken(signal?: AbortSignal): Promise<string> {
    const cached = this.cached;
    if (cached && this.now() < cached.expiresAt - this.refreshBeforeMs) {
      return cached.token;
    }
    try {
      if (this.failure && this.now() < this.failure.until) {
        throw this.failure.error;
      }
      // One request for every caller, never cut short by one of them leaving: each stops
      // waiting on its own signal, and the token is kept even if all of them left.
      if (!this.inFlight) {
        const request = this.fetchToken();
        this.inFlight = request;
        request.then(
          () => this.settled(request),
          () => this.settled(request),
        );
      }
      return (await untilAborted(this.inFlight, signal)).token;
    } catch (error) {
      // A failed early renewal is no reason to drop a token that is still valid.
      if (cached && this.now() < cached.expiresAt) {
        return cached.token;
      }
      throw error;
    }
  }

  /** Forgets `token` after VOD refused it (401), so the next call fetches a new one. */
  invalidate(token: string): void {
    if (this.cached?.token === token) {
      this.cached = undefined;
    }
  }

  /** The current token, to keep it out of anything logged. */
  get currentToken(): string | undefined {
    return this.cached?.token;
  }

  /** New credentials (a changed password): the next call asks IAM at once with them. */
  updateCredentials(credentials: IamUserCredentials): void {
    this.credentials = credentials;
    this.generation++;
    this.cached = undefined;
    this.failure = undefined;
    this.inFlight = undefined;
  }

  private settled(request: Promise<CachedToken>) {
    if (this.inFlight === request) this.inFlight = undefined;
  }

  private remember(error: unknown): void {
    // A refusal of the request or the credentials; throttling (429) is a passing failure.
    const refused =
      error instanceof VodRequestError &&
      [400, 401, 403].includes(error.httpStatus ?? 0);
    const { firstMs, maxMs } = refused
      ? FAILURE_BACKOFF.refused
      : FAILURE_BACKOFF.transient;
    const backoffMs = this.failure
      ? Math.min(maxMs, Math.max(firstMs, this.failure.backoffMs * 2))
      : firstMs;
    this.failure = { error, until: this.now() + backoffMs, backoffMs };
  }

  /** One token request; its outcome is kept unless the credentials changed meanwhile. */
  private async fetchToken(): Promise<CachedToken> {
    const generation = this.generation;
    try {
      const fresh = await this.requestToken();
      if (generation === this.generation) {
        this.cached = fresh;
        this.failure = undefined;
      }
      return fresh;
    } catch (error) {
      if (generation === this.generation) this.remember(error);
      throw error;
    }
  }

  private async requestToken(): Promise<CachedToken> {
    const { endpoint, domainName, userName, password, projectId } =
      this.credentials;
    const url = new URL(endpoint);
    const answer = await sendHttp(this.dispatcher, {
      origin: url.origin,
      path: `${url.pathname.replace(/\/$/, '')}/v3/auth/tokens`,
      method: 'POST',
      headers: { 'Content-Type': 'application/json;charset=utf8' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: {
              user: { name: userName, password, domain: { name: domainName } },
            },
          },
          scope: { project: { id: projectId } },
        },
      }),
      timeouts: this.timeouts,
      what: 'IAM token request',
      service: 'iam',
    });
    const token = answer.headers['x-subject-token'];
    if (answer.status !== 201 && answer.status !== 200) {
      const { code, message } = iamError(answer.text);
      throw new VodRequestError({
        kind: 'http',
        httpStatus: answer.status,
        errorCode: code,
        errorMessage: message,
        requestId: answer.requestId,
        message: `IAM refused the token request with ${answer.status}${
          message ? `: ${message}` : ''
        }`,
        mayHaveReachedVod: false,
        service: 'iam',
      });
    }
    let expiresAt = NaN;
    try {
      expiresAt = Date.parse(JSON.parse(answer.text).token.expires_at);
    } catch {
      // handled below
    }
    if (typeof token !== 'string' || !token || Number.isNaN(expiresAt)) {
      throw new VodRequestError({
        kind: 'invalid-response',
        httpStatus: answer.status,
        requestId: answer.requestId,
        message:
          'IAM answered without an X-Subject-Token header or token.expires_at',
        mayHaveReachedVod: false,
        service: 'iam',
      });
    }
    return { token, expiresAt };
  }
}

/** `promise`, or the signal's reason once it aborts, whichever comes first. */
function untilAborted<T>(
  promise: Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      value => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      error => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** IAM answers Keystone's `{error: {code, message}}` or Huawei's `{error_code, error_msg}`. */
function iamError(text: string): { code?: string; message?: string } {
  try {
    const body = JSON.parse(text);
    if (body.error_code)
      return { code: body.error_code, message: body.error_msg };
    if (body.error)
      return { code: String(body.error.code), message: body.error.message };
  } catch {
    // not JSON
  }
  return {};
}
