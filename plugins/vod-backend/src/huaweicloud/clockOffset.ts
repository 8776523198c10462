import type { HttpAnswer } from './http';
import type { LimiterClock } from './RateLimiter';
import { parseVodErrorBody } from './vodResponses';

/**
 * API Gateway refuses an `X-Sdk-Date` more than 15 minutes either side of its own clock. It says
 * so under the code of every refused IAM authentication (`APIGW.0301`; `APIG.0301` on some
 * gateways), with the message "Incorrect IAM authentication information: calc ak sk signature
 * fail:signature expired", and dates its answer (`Date`) by its own clock.
 */
export const MAX_SIGNATURE_SKEW_MS = 15 * 60_000;
const IAM_AUTH_REFUSED = new Set(['APIGW.0301', 'APIG.0301']);

/** The server's and our clock at an answer, and what to add to ours to sign by the server's. */
export interface ClockSkew {
  /** The answer's `Date`, epoch ms (whole seconds). */
  serverTime: number;
  /** Our clock (without any learnt offset) when the answer came. */
  localTime: number;
  offsetMs: number;
}

/**
 * Whether a non-2xx answer is API Gateway refusing a signature for its time: a 401 with the code
 * of a refused IAM authentication, and either the gateway's "signature expired" or a `Date` that
 * puts the signing time beyond the gateway's window (less a minute for the Date's whole seconds
 * and the time in flight). The code alone would not do: a wrong key gets it too. `serverTime` is
 * undefined when the answer has no usable `Date`: no offset can be learnt from it.
 */
export function isClockSkewRefusal(
  answer: HttpAnswer,
  signedAt: number,
): { serverTime: number | undefined } | undefined {
  if (answer.status !== 401) return undefined;
  const { errorCode, errorMessage } = parseVodErrorBody(answer.text);
  if (!errorCode || !IAM_AUTH_REFUSED.has(errorCode)) return undefined;
  const date = answer.headers.date;
  const parsed = Date.parse(Array.isArray(date) ? date[0] : date ?? '');
  const serverTime = Number.isNaN(parsed) ? undefined : parsed;
  const expired = /signature\s*expired/i.test(errorMessage ?? '');
  const beyondWindow =
    serverTime !== undefined &&
    Math.abs(serverTime - signedAt) > MAX_SIGNATURE_SKEW_MS - 60_000;
  return expired || beyondWindow ? { serverTime } : undefined;
}

/**
 * The time a client signs with: its clock plus the offset last learnt from API Gateway. The
 * offset is absolute (server time minus ours at one answer), so a later lesson replaces it, and
 * a clock put right meanwhile is followed by the next refusal.
 */
export class SigningClock {
  private offsetMs = 0;

  constructor(private readonly clock: Pick<LimiterClock, 'now'>) {}

  now(): number {
    return this.clock.now() + this.offsetMs;
  }

  /**
   * Whether a signed call's answer (just come) refuses its signing time; if so, the offset is
   * learnt from its `Date` (`skew` is undefined without one). A call with an IAM token
   * (`signedAt` undefined) carries no time to refuse.
   */
  refusal(
    answer: HttpAnswer,
    signedAt: number | undefined,
  ): { skew?: ClockSkew } | undefined {
    const refused =
      signedAt === undefined ? undefined : isClockSkewRefusal(answer, signedAt);
    if (!refused) return undefined;
    const { serverTime } = refused;
    return {
      skew: serverTime === undefined ? undefined : this.learn(serverTime),
    };
  }

  private learn(serverTime: number): ClockSkew {
    const localTime = this.clock.now();
    this.offsetMs = serverTime - localTime;
    return { serverTime, localTime, offsetMs: this.offsetMs };
  }
}

/** The warn line of a skew refusal: both times and the offset, nothing of the request. */
export function describeClockSkew(
  what: string,
  skew: ClockSkew | undefined,
  resending: boolean,
): string {
  if (!skew) {
    return `${what} was refused by API Gateway for clock skew; its answer has no Date to learn the server time from`;
  }
  const at = (ms: number) => new Date(ms).toISOString();
  const offset = `${skew.offsetMs >= 0 ? '+' : ''}${(
    skew.offsetMs / 1000
  ).toFixed(1)} s`;
  const then = resending
    ? 'sending it once more'
    : 'but this call is not sent again';
  return `${what} was refused by API Gateway for clock skew: server time ${at(
    skew.serverTime,
  )}, local time ${at(
    skew.localTime,
  )}, offset ${offset}; signing by the server time from now on, ${then}`;
}
