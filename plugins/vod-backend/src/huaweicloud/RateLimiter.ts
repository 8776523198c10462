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

/** No slot was free for a caller that may not wait for one: nothing was booked. */
export class RateLimitWaitError extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`no call slot is free for ${Math.ceil(retryAfterMs / 1000)} s`);
    this.name = 'RateLimitWaitError';
  }
}

/** A granted slot. `release()` gives it back when the call it was for was never made. */
export interface RateSlot {
  release(): void;
  /**
   * The call has ended (answered, failed or timed out): a limiter that must count calls from no
   * earlier than VOD received them learns the latest that can have been. Never rejects.
   */
  ended?(): Promise<void>;
}

/**
 * What shapes one kind of call to an account's rate: a RateLimiter for this process, or one
 * shared by every replica (SharedRateLimiter).
 */
export interface CallRate {
  readonly limit: number;
  /** Waits for the next free slot, in order of arrival; an abort rejects with its reason. */
  acquire(signal?: AbortSignal): Promise<RateSlot>;
  /** A slot now with `headroom` more left over, or a RateLimitWaitError (nothing booked). */
  spareSlot(headroom: number): RateSlot | Promise<RateSlot>;
  /** How long a caller asking now would wait for its slot, in ms (an estimate). */
  expectedWait(): number;
}

interface Waiter {
  grant(slot: RateSlot): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * Allows at most `limit` calls in any rolling window of `windowMs` (e.g. 10 a minute), first
 * come first served.
 *
 * A token bucket of capacity N refilled at N a minute lets up to 2N calls through in some
 * rolling minute (a full bucket, then the refill), which is exactly what makes APIG answer 429.
 * Remembering the start times of the calls of the last window and never starting one while N
 * started within it keeps every rolling minute at N or fewer.
 *
 * Waiters queue in order; an aborted waiter leaves the queue, and a slot granted for a call that
 * was then not made is given back with `release()`. A caller that may not wait takes only a spare
 * slot (`spareSlot`), or none.
 */
export class RateLimiter implements CallRate {
  /** Start times of the granted slots, oldest first; those before `head` have left the window. */
  private readonly starts: number[] = [];
  private head = 0;
  private readonly queue: Waiter[] = [];
  private pumping = false;
  private wakeUp?: AbortController;

  constructor(
    readonly limit: number,
    private readonly windowMs: number,
    private readonly clock: LimiterClock = systemClock,
  ) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new Error(`rate limit must be a positive integer, got ${limit}`);
    }
  }

  /** How long a caller asking now would wait for its slot, in ms (0: free now). */
  expectedWait(): number {
    const now = this.clock.now();
    this.prune(now);
    // Replays the grants the queue ahead will get, then this caller's.
    const times = this.starts.slice(this.head);
    let start = now;
    for (let k = 0; k <= this.queue.length; k++) {
      const bound = times.length - this.limit;
      start = bound >= 0 ? Math.max(now, times[bound] + this.windowMs) : now;
      times.push(start);
    }
    return start - now;
  }

  /**
   * A slot now, if nobody is waiting and one is free with `headroom` more left over; otherwise
   * a RateLimitWaitError saying when to try again, booking nothing. For callers that must never
   * hold up, nor use up, the rate others depend on.
   */
  spareSlot(headroom: number): RateSlot {
    const now = this.clock.now();
    this.prune(now);
    if (this.queue.length > 0) {
      throw new RateLimitWaitError(this.expectedWait());
    }
    const over = this.active() + headroom - this.limit; // starts that must leave the window first
    if (over >= 0) {
      throw new RateLimitWaitError(
        this.starts[this.head + over] + this.windowMs - now,
      );
    }
    return this.grant(now);
  }

  /**
   * Waits for the next free slot, in order of arrival. An abort leaves the queue and rejects
   * with the signal's reason.
   */
  async acquire(signal?: AbortSignal): Promise<RateSlot> {
    signal?.throwIfAborted();
    const now = this.clock.now();
    this.prune(now);
    if (this.queue.length === 0 && this.active() < this.limit) {
      return this.grant(now);
    }
    return new Promise<RateSlot>((resolve, reject) => {
      const waiter: Waiter = { grant: resolve, signal };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.queue.indexOf(waiter);
          if (index >= 0) this.queue.splice(index, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      this.pump();
    });
  }

  private active(): number {
    return this.starts.length - this.head;
  }

  private grant(at: number): RateSlot {
    this.starts.push(at);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const index = this.starts.indexOf(at, this.head);
        if (index < 0) return; // already out of the window
        this.starts.splice(index, 1);
        this.wakeUp?.abort();
      },
    };
  }

  private prune(now: number) {
    while (
      this.head < this.starts.length &&
      this.starts[this.head] + this.windowMs <= now
    ) {
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.starts.length) {
      this.starts.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Grants queued waiters as slots come free; one loop at a time. */
  private pump() {
    if (this.pumping) return;
    this.pumping = true;
    void this.run();
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const now = this.clock.now();
        this.prune(now);
        if (this.active() < this.limit) {
          const waiter = this.queue.shift()!;
          if (waiter.onAbort) {
            waiter.signal!.removeEventListener('abort', waiter.onAbort);
          }
          waiter.grant(this.grant(now));
          continue;
        }
        this.wakeUp = new AbortController();
        const delay = this.starts[this.head] + this.windowMs - now;
        await this.clock.sleep(delay, this.wakeUp.signal).catch(() => {});
      }
    } finally {
      this.wakeUp = undefined;
      this.pumping = false;
    }
  }
}
