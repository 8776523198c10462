import type { ClockSkew } from './clockOffset';

/** What went wrong with a call to VOD (or IAM). */
export type VodErrorKind =
  /** VOD or API Gateway answered with a non-2xx status. */
  | 'http'
  /** No answer in time: connecting, waiting for the headers, or reading the body. */
  | 'timeout'
  /** The connection failed: refused, unknown host, TLS, reset. */
  | 'network'
  /** A 2xx answer whose body is not what the API documents. */
  | 'invalid-response';

/**
 * The one error the VOD client throws. It says whether the call may have reached VOD, because a
 * create that may have been received must never be blindly repeated: it would spend quota twice.
 */
export class VodRequestError extends Error {
  readonly kind: VodErrorKind;
  /**
   * HTTP status of VOD's answer, for `http` errors. (Not `status`: Backstage's error handler would
   * take that for the status of our own response.)
   */
  readonly httpStatus?: number;
  /** VOD's or API Gateway's `error_code`, e.g. `VOD.10053` or `APIGW.0308`. */
  readonly errorCode?: string;
  /** VOD's or API Gateway's `error_msg`. */
  readonly errorMessage?: string;
  /** The `X-Request-Id` of the answer, for Huawei support. */
  readonly requestId?: string;
  /**
   * False when VOD surely did not act on the call: it never left this process (refused, DNS,
   * TLS, connect timeout), or API Gateway or IAM turned it away (429, 401, 403).
   */
  readonly mayHaveReachedVod: boolean;
  /** Which service answered: VOD (through API Gateway), or IAM when a token was fetched. */
  readonly service: 'vod' | 'iam';
  /**
   * Set when API Gateway refused the signature for its time (a 401: the call did not reach
   * VOD): the server's and our time at the answer. The client signs by the server's time since.
   */
  readonly clockSkew?: ClockSkew;

  constructor(options: {
    kind: VodErrorKind;
    message: string;
    httpStatus?: number;
    errorCode?: string;
    errorMessage?: string;
    requestId?: string;
    mayHaveReachedVod: boolean;
    service?: 'vod' | 'iam';
    clockSkew?: ClockSkew;
    cause?: unknown;
  }) {
    super(options.message, { cause: options.cause });
    this.name = 'VodRequestError';
    this.kind = options.kind;
    this.httpStatus = options.httpStatus;
    this.errorCode = options.errorCode;
    this.errorMessage = options.errorMessage;
    this.requestId = options.requestId;
    this.mayHaveReachedVod = options.mayHaveReachedVod;
    this.service = options.service ?? 'vod';
    this.clockSkew = options.clockSkew;
  }

  /** API Gateway refused for throttling; the call did not reach VOD. */
  get isThrottled(): boolean {
    return this.httpStatus === 429;
  }

  /**
   * The portal's own credentials were refused (401/403 from API Gateway or IAM): an account-level
   * fault, not something wrong with the prefetch asked for.
   */
  get refusedCredentials(): boolean {
    return this.httpStatus === 401 || this.httpStatus === 403;
  }
}

// Failures before the request was written: the call cannot have reached VOD.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Turns an error thrown by undici into a VodRequestError (an abort is passed through). */
export function classifyTransportError(
  error: unknown,
  what: string,
  service: 'vod' | 'iam' = 'vod',
): VodRequestError | unknown {
  const codes = errorCodes(error);
  const name = (error as Error)?.name;
  if (name === 'AbortError' || codes.includes('ABORT_ERR')) {
    return error;
  }
  const notSent =
    codes.some(c => NOT_SENT_CODES.has(c)) ||
    codes.some(c =>
      /^(ERR_TLS_|ERR_SSL_|CERT_|EPROTO$|DEPTH_ZERO|SELF_SIGNED)/.test(c),
    );
  const timeout = codes.some(c =>
    [
      'UND_ERR_CONNECT_TIMEOUT',
      'UND_ERR_HEADERS_TIMEOUT',
      'UND_ERR_BODY_TIMEOUT',
    ].includes(c),
  );
  const detail = codes.length
    ? codes.join('/')
    : (error as Error)?.message ?? String(error);
  return new VodRequestError({
    kind: timeout ? 'timeout' : 'network',
    message: `${what} failed: ${
      timeout ? 'timed out' : 'connection error'
    } (${detail})`,
    mayHaveReachedVod: !notSent,
    service,
    cause: error,
  });
}

function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current = error as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 5; depth++) {
    if (typeof current.code === 'string') codes.push(current.code);
    current = current.cause as typeof current;
  }
  return codes;
}
