import type { VodStore } from '../database/VodStore';
import { QuotaLedger } from './QuotaLedger';

const store = {
  quotaUsed: async () => 998,
  queued: async () => 4,
} as unknown as VodStore;

describe('QuotaLedger', () => {
  it('counts days in GMT+08:00 by default', () => {
    const ledger = new QuotaLedger(store, 'Asia/Shanghai');
    expect(ledger.dayOf(Date.parse('2026-11-25T15:59:59Z'))).toBe('2026-11-25');
    expect(ledger.dayOf(Date.parse('2026-11-25T16:00:00Z'))).toBe('2026-11-26');
    expect(
      ledger.resetsAt(Date.parse('2026-11-25T10:00:00Z')).toISOString(),
    ).toBe('2026-11-25T16:00:00.000Z');
  });

  it('follows a configured zone, across a daylight-saving change', () => {
    const ledger = new QuotaLedger(store, 'Europe/Berlin');
    // 29 March 2026: clocks go forward at 02:00; the day still ends at midnight
    expect(
      ledger.resetsAt(Date.parse('2026-03-29T10:00:00Z')).toISOString(),
    ).toBe('2026-03-29T22:00:00.000Z');
    expect(
      ledger.resetsAt(Date.parse('2026-03-28T10:00:00Z')).toISOString(),
    ).toBe('2026-03-28T23:00:00.000Z');
  });

  it('reports the remaining quota and never a negative one', async () => {
    const ledger = new QuotaLedger(store, 'Asia/Shanghai');
    const at = Date.parse('2026-11-25T10:00:00Z');
    expect(await ledger.quota('main', 1000, at)).toEqual({
      account: 'main',
      limit: 1000,
      used: 998,
      remaining: 2,
      resetsAt: '2026-11-25T16:00:00.000Z',
      queued: 4,
    });
    expect((await ledger.quota('main', 500, at)).remaining).toBe(0);
  });
});
