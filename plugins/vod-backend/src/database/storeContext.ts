// What the store's SQL modules share: the database, its row locks, and the changes to announce.
import type { Knex } from 'knex';

/**
 * Handed by DatabaseVodStore to its SQL modules (prefetchWrites, prefetchReads, outboxSql,
 * unsentSql, pollingSql, housekeepingSql): each store operation there takes it first, a helper
 * that works in the caller's transaction takes it and then that transaction (updateTask, in taskUpdates.ts), and
 * plain SQL that needs neither locks nor announcements takes only a knex (readPrefetch, quotaSql).
 */
export interface StoreContext {
  db: Knex;
  /** Whether to lock the rows a transaction reads to change (not on SQLite: see the store). */
  locks: boolean;
  /** Runs `run` in a transaction; the prefetches it marks changed are announced once it commits. */
  transaction<T>(run: (trx: Knex.Transaction) => Promise<T>): Promise<T>;
  /** Marks a prefetch as changed by `trx`, a transaction opened by `transaction`. */
  markChanged(trx: Knex.Transaction, prefetchId: string): void;
}

/** The query as SELECT … FOR UPDATE, where the database has row locks. */
export function lock<T extends Knex.QueryBuilder>(
  ctx: StoreContext,
  query: T,
): T {
  return ctx.locks ? (query.forUpdate() as T) : query;
}
