// Moved to ../quota/QuotaLedger; re-exported here until plugin.ts and PrefetchService.ts import
// it from there.
export { QuotaLedger } from '../quota/QuotaLedger';
