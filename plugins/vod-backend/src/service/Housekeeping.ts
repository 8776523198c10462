import type { VodStore } from '../database/VodStore';

/** Ended prefetches deleted per statement batch. */
const BATCH = 500;

/** Numbered VOD calls older than this are pruned (hourly, so kept up to 70 minutes): well past the
 * rate's one-minute window. */
const CALL_SLOTS_KEPT_MS = 10 * 60_000;

/**
 * Keeps the tables from growing without bound: forgets expired idempotency keys and numbered
 * VOD calls past the rate's window and, when
 * `vod.retention` is configured, deletes prefetches that ended longer ago than that. Scheduled
 * on one replica at a time; idempotent.
 */
export class Housekeeping {
  constructor(
    private readonly options: {
      store: VodStore;
      retentionMs?: number;
      now: () => number;
      logger: { info(message: string): void };
    },
  ) {}

  async run(): Promise<{ keys: number; prefetches: number }> {
    const { store, retentionMs, now, logger } = this.options;
    const keys = await store.pruneIdempotencyKeys(now());
    await store.pruneCallSlots(now() - CALL_SLOTS_KEPT_MS);
    let prefetches = 0;
    if (retentionMs !== undefined) {
      const before = now() - retentionMs;
      for (;;) {
        const deleted = await store.prunePrefetches(before, BATCH);
        prefetches += deleted;
        if (deleted < BATCH) break;
      }
    }
    if (keys + prefetches > 0) {
      logger.info(
        `housekeeping: forgot ${keys} expired idempotency key(s), deleted ${prefetches} prefetch(es) past retention`,
      );
    }
    return { keys, prefetches };
  }
}
