import { DateTime } from 'luxon';

/**
 * The quota's calendar: VOD counts prefetches per calendar day of a time zone (GMT+08:00,
 * Asia/Shanghai, unless configured). Which day an instant falls on, and when that day ends.
 */
export class QuotaCalendar {
  /** The plain day last asked about: nearly every instant asked about falls on it (luxon's
   * time-zone arithmetic costs tens of microseconds, on every create). */
  private last?: { from: number; until: number; day: string };

  /** `timeZone`: an IANA zone, checked by the config reader (`vod.quotaTimeZone`). */
  constructor(private readonly timeZone: string) {}

  /** The quota day of an instant, `YYYY-MM-DD`. */
  dayOf(at: number): string {
    return this.dayAround(at).day;
  }

  /**
   * When the quota day of `at` ends: the start of the next day in the time zone (its midnight,
   * or its first hour where daylight saving starts at midnight).
   */
  resetsAt(at: number): Date {
    return new Date(this.dayAround(at).until);
  }

  private dayAround(at: number): { from: number; until: number; day: string } {
    const last = this.last;
    if (last && at >= last.from && at < last.until) return last;
    const start = DateTime.fromMillis(at, { zone: this.timeZone }).startOf(
      'day',
    );
    const next = DateTime.fromMillis(at, { zone: this.timeZone })
      .plus({ days: 1 })
      .startOf('day');
    const day = {
      from: start.toMillis(),
      until: next.toMillis(),
      day: start.toISODate()!,
    };
    // Only a plain day is remembered: around a change of offset, luxon's next day (wall-clock
    // arithmetic) can skip a day or land on a second midnight, so each instant is asked anew.
    const plain =
      start.offset === next.offset && day.until - day.from === 86_400_000;
    if (plain) this.last = day;
    return day;
  }
}
