import { QuotaCalendar } from './QuotaCalendar';

describe('QuotaCalendar', () => {
  it('counts days in GMT+08:00', () => {
    const calendar = new QuotaCalendar('Asia/Shanghai');
    expect(calendar.dayOf(Date.parse('2026-11-25T15:59:59.999Z'))).toBe(
      '2026-11-25',
    );
    expect(calendar.dayOf(Date.parse('2026-11-25T16:00:00Z'))).toBe(
      '2026-11-26',
    );
    expect(
      calendar.resetsAt(Date.parse('2026-11-25T10:00:00Z')).toISOString(),
    ).toBe('2026-11-25T16:00:00.000Z');
    expect(
      calendar.resetsAt(Date.parse('2026-12-31T16:00:00Z')).toISOString(),
    ).toBe('2027-01-01T16:00:00.000Z');
  });

  it('follows a configured zone, across daylight-saving changes', () => {
    const calendar = new QuotaCalendar('Europe/Berlin');
    // 29 March 2026: clocks go forward at 02:00, a 23-hour day that still ends at midnight
    expect(
      calendar.resetsAt(Date.parse('2026-03-29T10:00:00Z')).toISOString(),
    ).toBe('2026-03-29T22:00:00.000Z');
    expect(
      calendar.resetsAt(Date.parse('2026-03-28T10:00:00Z')).toISOString(),
    ).toBe('2026-03-28T23:00:00.000Z');
    // 25 October 2026: clocks go back at 03:00, a 25-hour day
    expect(calendar.dayOf(Date.parse('2026-10-25T22:59:59Z'))).toBe(
      '2026-10-25',
    );
    expect(
      calendar.resetsAt(Date.parse('2026-10-25T01:30:00Z')).toISOString(),
    ).toBe('2026-10-25T23:00:00.000Z');
  });

  it("ends a day at the next day's first hour where daylight saving starts at midnight", () => {
    // Santiago, 6 September 2026: 00:00 (UTC-4) becomes 01:00 (UTC-3), so that day starts at
    // 01:00 = 04:00Z; the day before (5 September) ends there.
    const calendar = new QuotaCalendar('America/Santiago');
    expect(
      calendar.resetsAt(Date.parse('2026-09-05T15:00:00Z')).toISOString(),
    ).toBe('2026-09-06T04:00:00.000Z');
    // And 6 September, a 23-hour day, ends at the midnight of 7 September (UTC-3).
    expect(
      calendar.resetsAt(Date.parse('2026-09-06T15:00:00Z')).toISOString(),
    ).toBe('2026-09-07T03:00:00.000Z');
    expect(calendar.dayOf(Date.parse('2026-09-06T03:59:59Z'))).toBe(
      '2026-09-05',
    );
  });

  it('answers instants in any order (it remembers the last day, it does not assume it)', () => {
    const calendar = new QuotaCalendar('Asia/Shanghai');
    const asked = [
      ['2026-11-26T04:00:00Z', '2026-11-26'],
      ['2026-11-25T15:59:59.999Z', '2026-11-25'],
      ['2026-11-25T16:00:00Z', '2026-11-26'],
      ['2026-11-26T15:59:59.999Z', '2026-11-26'],
      ['2026-11-26T16:00:00Z', '2026-11-27'],
      ['2026-11-24T23:00:00Z', '2026-11-25'],
    ];
    for (const [at, day] of asked) {
      expect(calendar.dayOf(Date.parse(at))).toBe(day);
    }
    expect(
      calendar.resetsAt(Date.parse('2026-11-25T16:00:00Z')).toISOString(),
    ).toBe('2026-11-26T16:00:00.000Z');
  });

  it('does not carry a day over a change of offset', () => {
    // Nuuk, 29 March 2025: daylight saving starts at 22:00 local (UTC-2, then UTC-1), and
    // luxon's "next day" of the 28th is the 30th. A create late on the 28th must not make the
    // whole of the 29th count as the 28th.
    const calendar = new QuotaCalendar('America/Nuuk');
    expect(calendar.dayOf(Date.parse('2025-03-29T01:30:00Z'))).toBe(
      '2025-03-28',
    );
    expect(calendar.dayOf(Date.parse('2025-03-29T12:00:00Z'))).toBe(
      '2025-03-29',
    );
    // Azores, 26 October 2025: 01:00 local goes back to 00:00, midnight comes twice.
    const azores = new QuotaCalendar('Atlantic/Azores');
    expect(azores.dayOf(Date.parse('2025-10-25T20:00:00Z'))).toBe('2025-10-25');
    expect(azores.dayOf(Date.parse('2025-10-26T00:30:00Z'))).toBe('2025-10-26');
  });
});
