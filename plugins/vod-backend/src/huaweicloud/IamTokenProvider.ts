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
 * IAM user tokens for `X-Auth-Token` auth: obtained from `POST /v3/auth/tokens` (the token is the
 * `X-Subject-Token` answer header), cached, renewed before they expire, one request in flight at
 * a time however many callers wait.
 */
export class IamTokenProvider {
  private cached?: CachedToken;
  private inFlight?: Promise<CachedToken>;

  private constructor(
    private readonly credentials: IamUserCredentials,
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
    if (!this.inFlight) {
      this.inFlight = this.fetchToken(signal).finally(() => {
        this.inFlight = undefined;
      });
    }
    try {
      const fresh = await this.inFlight;
      this.cached = fresh;
      return fresh.token;
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

  private async fetchToken(signal?: AbortSignal): Promise<CachedToken> {
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
      signal,
      what: 'IAM token request',
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
      });
    }
    return { token, expiresAt };
  }
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
