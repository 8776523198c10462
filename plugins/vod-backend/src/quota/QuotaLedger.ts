import type { Quota } from '@mediaops/backstage-plugin-vod-common';
import type { VodStore } from '../database/VodStore';
import { QuotaCalendar } from './QuotaCalendar';

/**
 * The daily quota: 1,000 assets per tenant per day by default, the day being the quota
 * calendar's (GMT+08:00, as VOD counts, unless configured). An asset prefetch counts 1, a URL
 * prefetch 1 per URL.
 */
export class QuotaLedger {
  private readonly calendar: QuotaCalendar;

  constructor(private readonly store: VodStore, timeZone: string) {
    this.calendar = new QuotaCalendar(timeZone);
  }

  /** The quota day of an instant, `YYYY-MM-DD`. */
  dayOf(at: number): string {
    return this.calendar.dayOf(at);
  }

  /** When the quota day of `at` ends. */
  resetsAt(at: number): Date {
    return this.calendar.resetsAt(at);
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
}
