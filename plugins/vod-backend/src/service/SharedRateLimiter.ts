import type { VodStore } from '../database/VodStore';
import {
  CallRate,
  LimiterClock,
  RateLimiter,
  RateLimitWaitError,
  RateSlot,
} from '../huaweicloud/RateLimiter';

export interface SharedRateOptions {
  store: Pick<VodStore, 'takeCallSlot' | 'moveCallSlot' | 'releaseCallSlot'>;
  account: string;
  operation: string;
  clock: LimiterClock;
  /** VOD counts calls as they arrive; a call is granted this long before it arrives, at most. */
  marginMs?: number;
  logger: { warn(message: string): void };
}

/** The rolling window of VOD's rate limits. */
const WINDOW_MS = 60_000;
/** Default of `marginMs`. */
const MARGIN_MS = 250;

/** A numbered place in the account's window, and when it was granted. */
interface Place {
  seq: number;
  grantedAt: number;
}

/**
 * An account's rate held across every replica that calls VOD for it: a slot of this process's
 * limiter (which keeps this process's callers in order), then a numbered place in the database,
 * granted only when the call `limit` places back started a window (plus a margin) ago. So the
 * replicas together make at most `limit` calls in any rolling minute, however many there are, as
 * long as their clocks agree within the margin (as Backstage's scheduler, too, assumes).
 */
export class SharedRateLimiter implements CallRate {
  constructor(
    private readonly local: RateLimiter,
    private readonly options: SharedRateOptions,
  ) {}

  get limit(): number {
    return this.local.limit;
  }

  expectedWait(): number {
    return this.local.expectedWait();
  }

  async acquire(signal?: AbortSignal): Promise<RateSlot> {
    const slot = await this.local.acquire(signal);
    try {
      return this.joined(slot, await this.place(0, true, signal));
    } catch (error) {
      slot.release();
      throw error;
    }
  }

  async spareSlot(headroom: number): Promise<RateSlot> {
    const slot = this.local.spareSlot(headroom);
    try {
      return this.joined(slot, await this.place(headroom, false));
    } catch (error) {
      slot.release();
      throw error;
    }
  }

  /** A place in the shared window with `headroom` left over; with `wait` false, now or never. */
  private async place(
    headroom: number,
    wait: boolean,
    signal?: AbortSignal,
  ): Promise<Place> {
    const {
      store,
      account,
      operation,
      clock,
      marginMs = MARGIN_MS,
    } = this.options;
    for (;;) {
      const now = clock.now();
      const result = await store.takeCallSlot({
        account,
        operation,
        limit: this.limit - headroom,
        windowMs: WINDOW_MS + marginMs,
        now,
      });
      if ('seq' in result) return { seq: result.seq, grantedAt: now };
      if (!wait) throw new RateLimitWaitError(result.waitMs);
      await clock.sleep(result.waitMs, signal);
    }
  }

  private joined(slot: RateSlot, { seq, grantedAt }: Place): RateSlot {
    const { store, account, operation, clock, logger } = this.options;
    const { marginMs = MARGIN_MS } = this.options;
    return {
      ended: async () => {
        // VOD counts a call when it receives it: any time between the grant and the answer (a
        // slow claim, a loaded VOD or machine). A call that ended well after its grant counts
        // from its end, so the call `limit` places on, granted a window after this grant at the
        // earliest (long after this is written), cannot reach VOD within a window of it.
        const at = clock.now();
        if (at - grantedAt <= marginMs / 5) return;
        await store
          .moveCallSlot(account, operation, seq, at)
          .catch(error =>
            logger.warn(
              `could not record when VOD ${operation} call ${seq} of account ${account} ended: ${error}`,
            ),
          );
      },
      release: () => {
        slot.release();
        store
          .releaseCallSlot(account, operation, seq)
          .catch(error =>
            logger.warn(
              `could not free VOD ${operation} slot ${seq} of account ${account}: ${error}`,
            ),
          );
      },
    };
  }
}
