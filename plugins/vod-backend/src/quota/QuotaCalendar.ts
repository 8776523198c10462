import { DateTime } from 'luxon';

/**
 * The quota's calendar: VOD counts prefetches per calendar day of a time zone (GMT+08:00,
 * Asia/Shanghai, unless configured). Which day an instant falls on, and when that day ends.
 */
export class QuotaCalendar {
  /** `timeZone`: an IANA zone, checked by the config reader (`vod.quotaTimeZone`). */
  constructor(private readonly timeZone: string) {}

  /** The quota day of an instant, `YYYY-MM-DD`. */
  dayOf(at: number): string {
    return this.startOfDay(at).toISODate()!;
  }

  /**
   * When the quota day of `at` ends: the start of the next day in the time zone (its midnight,
   * or its first hour where daylight saving starts at midnight).
   */
  resetsAt(at: number): Date {
    return DateTime.fromMillis(at, { zone: this.timeZone })
      .plus({ days: 1 })
      .startOf('day')
      .toJSDate();
  }

  private startOfDay(at: number): DateTime {
    return DateTime.fromMillis(at, { zone: this.timeZone }).startOf('day');
  }
}
