import { CustomErrorBase } from '@backstage/errors';

/** The account's daily quota cannot take this prefetch: 429, with when it resets. */
export class QuotaExceededError extends CustomErrorBase {
  name = 'QuotaExceededError' as const;
  /** Read by Backstage's error handler as the response status. */
  readonly statusCode = 429;
}

/** A caller holds as many waiting reads open as one may: 429. */
export class TooManyWaitsError extends CustomErrorBase {
  name = 'TooManyWaitsError' as const;
  /** Read by Backstage's error handler as the response status. */
  readonly statusCode = 429;
}
