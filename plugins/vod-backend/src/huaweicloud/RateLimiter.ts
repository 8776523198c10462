/** Time as the rate limiter sees it; injectable so tests need no real waiting. */
export interface LimiterClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock. */
export const systemClock: LimiterClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      let timer: NodeJS.Timeout | undefined = undefined;
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal!.reason);
      };
      timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * Allows at most `limit` calls in any rolling window of `windowMs` (e.g. 10 a minute), first
 * come first served.
 *
 * A token bucket of capacity N refilled at N a minute lets up to 2N calls through in some
 * rolling minute (a full bucket, then the refill), which is exactly what makes APIG answer 429.
 * Remembering the start time of the last N calls and never starting the next one before the
 * oldest is a window old keeps every rolling minute at N or fewer.
 */
export class RateLimiter {
  private readonly starts: number[] = [];
  private next = 0; // index in `starts` of the oldest remembered call

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: LimiterClock = systemClock,
  ) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new Error(`rate limit must be a positive integer, got ${limit}`);
    }
  }

  /**
   * Books the next free slot and returns how long to wait for it (0 when free now). Bookings are
   * handed out in call order, so waiting callers start in the order they asked.
   */
  reserve(): number {
    const now = this.clock.now();
    let start = now;
    if (this.starts.length === this.limit) {
      start = Math.max(now, this.starts[this.next] + this.windowMs);
      this.starts[this.next] = start;
      this.next = (this.next + 1) % this.limit;
    } else {
      start = Math.max(now, this.starts[this.starts.length - 1] ?? now);
      this.starts.push(start);
    }
    return start - now;
  }

  /** Waits for the next free slot. An abort while waiting gives up the wait, not the slot. */
  async acquire(signal?: AbortSignal): Promise<void> {
    const wait = this.reserve();
    if (wait > 0) {
      await this.clock.sleep(wait, signal);
    }
  }
}
