import type { VodStore } from '../database/VodStore';
import { QuotaLedger } from './QuotaLedger';

const store = {
  quotaUsed: async () => 998,
  queued: async () => 4,
} as unknown as VodStore;

describe('QuotaLedger', () => {
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
