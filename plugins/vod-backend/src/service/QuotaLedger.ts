import type { Quota } from '@mediaops/backstage-plugin-vod-common';
import type { VodStore } from '../database/VodStore';

/**
 * The daily quota: 1,000 assets per tenant per day by default, the day being the quota time
 * zone's calendar day (Asia/Shanghai, VOD's GMT+08:00, unless configured). An asset prefetch
 * counts 1, a URL prefetch 1 per URL.
 */
export class QuotaLedger {
  private readonly dayFormat: Intl.DateTimeFormat;
  private readonly wallFormat: Intl.DateTimeFormat;

  constructor(private readonly store: VodStore, timeZone: string) {
    this.dayFormat = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    this.wallFormat = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  /** The quota day of an instant, `YYYY-MM-DD`. */
  dayOf(at: number): string {
    return this.dayFormat.format(at);
  }

  /** When the quota day of `at` ends: the next midnight in the quota time zone. */
  resetsAt(at: number): Date {
    const [y, m, d] = this.dayOf(at).split('-').map(Number);
    const midnightAsUtc = Date.UTC(y, m - 1, d + 1);
    // Shift by the zone's offset; twice, in case the offset changes around that midnight.
    let guess = midnightAsUtc - this.offsetAt(midnightAsUtc);
    guess = midnightAsUtc - this.offsetAt(guess);
    return new Date(guess);
  }

  async quota(account: string, limit: number, at: number): Promise<Quota> {
    const [used, queued] = await Promise.all([
      this.store.quotaUsed(account, this.dayOf(at)),
      this.store.queued(account),
    ]);
    return {
      account,
      limit,
      used,
      remaining: Math.max(0, limit - used),
      resetsAt: this.resetsAt(at).toISOString(),
      queued,
    };
  }

  /** The zone's offset from UTC at an instant, in ms. */
  private offsetAt(at: number): number {
    const parts = Object.fromEntries(
      this.wallFormat.formatToParts(at).map(p => [p.type, p.value]),
    );
    const wall = Date.UTC(
      +parts.year,
      +parts.month - 1,
      +parts.day,
      +parts.hour,
      +parts.minute,
      +parts.second,
    );
    return wall - Math.floor(at / 1000) * 1000;
  }
}
