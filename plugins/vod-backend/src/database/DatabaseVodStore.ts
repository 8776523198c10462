import {
  DatabaseService,
  LoggerService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import type {
  Prefetch,
  PrefetchUrlResult,
} from '@mediaops/backstage-plugin-vod-common';
import type { Knex } from 'knex';
import { quotaUsedIn } from '../quota/quotaSql';
import {
  moveCallSlot,
  pruneCallSlots,
  releaseCallSlot,
  takeCallSlot,
} from './callSlotsSql';
import {
  pruneIdempotencyKeys,
  prunePrefetches,
  sharedValue,
} from './housekeepingSql';
import {
  claimTask,
  markAccepted,
  markRejected,
  markUncertain,
  pendingTasks,
  recoverInterruptedClaims,
  releaseClaim,
} from './outboxSql';
import {
  deferPoll,
  dueForPolling,
  markExpired,
  recordPoll,
} from './pollingSql';
import {
  findVodTask,
  listPrefetches,
  progressOf,
  queued,
  queuePositions,
  readPrefetch,
  taskStates,
} from './prefetchReads';
import { prefetchWriter } from './prefetchWrites';
import type { StoreContext } from './storeContext';
import { failUnsentTasks } from './unsentSql';
import type {
  CallSlotRequest,
  CallSlotResult,
  Claim,
  ClaimResult,
  CreatePrefetchResult,
  NewPrefetch,
  OpenTask,
  OutboxTask,
  PrefetchChange,
  PrefetchCursor,
  PrefetchFilter,
  PrefetchVisibility,
  RecordedVodTask,
  TaskError,
  TaskState,
  UnsentOutcome,
  UnsentTasks,
  VodStore,
} from './VodStore';

const MIGRATIONS = resolvePackagePath(
  '@mediaops/backstage-plugin-vod-backend',
  'migrations',
);

/**
 * VodStore on the plugin's database (SQLite, PostgreSQL or MySQL/MariaDB) through knex. It runs
 * the transactions and announces what they changed; the SQL lives in prefetchWrites,
 * prefetchReads, outboxSql, unsentSql, pollingSql and housekeepingSql (and ../quota/quotaSql).
 */
export class DatabaseVodStore implements VodStore {
  /** What the SQL modules are handed: the database, its locking, and the change log. */
  private readonly ctx: StoreContext;
  private readonly writePrefetch: (
    input: NewPrefetch,
  ) => Promise<CreatePrefetchResult>;

  private readonly listeners: Array<(changes: PrefetchChange[]) => void> = [];
  /** The prefetches each open transaction changed, announced once it has committed. */
  private readonly changed = new WeakMap<Knex.Transaction, Set<string>>();

  private constructor(private readonly db: Knex, logger?: LoggerService) {
    this.ctx = {
      db,
      // SELECT … FOR UPDATE (SKIP LOCKED) where the database has it; SQLite runs one writing
      // transaction at a time anyway.
      locks: !String(db.client.config.client).includes('sqlite'),
      transaction: run => this.transaction(run),
      markChanged: (trx, prefetchId) => this.changed.get(trx)?.add(prefetchId),
    };
    this.writePrefetch = prefetchWriter(this.ctx, {
      written: results => this.announceCreated(results),
      logger,
    });
  }

  static async create(options: {
    database: DatabaseService;
    logger?: LoggerService;
  }): Promise<DatabaseVodStore> {
    const db = await options.database.getClient();
    if (!options.database.migrations?.skip) {
      await db.migrate.latest({ directory: MIGRATIONS });
    }
    return new DatabaseVodStore(db, options.logger);
  }

  /** Calls `listener` after each committed change of prefetches' states (best effort). */
  onChange(listener: (changes: PrefetchChange[]) => void): void {
    this.listeners.push(listener);
  }

  // ------------------------------------------------------------------------------------------
  // Recording prefetches (prefetchWrites)
  // ------------------------------------------------------------------------------------------

  /** Creates that arrive together are written in one transaction (group commit). */
  createPrefetch(input: NewPrefetch): Promise<CreatePrefetchResult> {
    return this.writePrefetch(input);
  }

  // ------------------------------------------------------------------------------------------
  // Reading (prefetchReads)
  // ------------------------------------------------------------------------------------------

  quotaUsed(account: string, quotaDay: string): Promise<number> {
    return quotaUsedIn(this.db, account, quotaDay);
  }

  getPrefetch(id: string): Promise<Prefetch | undefined> {
    return readPrefetch(this.db, id);
  }

  listPrefetches(
    filter: PrefetchFilter,
    page: { limit: number; cursor?: PrefetchCursor },
    visibility: PrefetchVisibility,
  ): Promise<{ items: Prefetch[]; next?: PrefetchCursor }> {
    return listPrefetches(this.ctx, filter, page, visibility);
  }

  findVodTask(
    account: string,
    taskId: string,
  ): Promise<RecordedVodTask | undefined> {
    return findVodTask(this.ctx, account, taskId);
  }

  taskStates(prefetchId: string): Promise<TaskState[]> {
    return taskStates(this.ctx, prefetchId);
  }

  progressOf(
    prefetchIds: string[],
  ): Promise<
    Map<string, { total: number; succeeded: number; failed: number }>
  > {
    return progressOf(this.ctx, prefetchIds);
  }

  queuePositions(prefetchIds: string[]): Promise<Map<string, number>> {
    return queuePositions(this.ctx, prefetchIds);
  }

  queued(account: string): Promise<number> {
    return queued(this.ctx, account);
  }

  // ------------------------------------------------------------------------------------------
  // The outbox (outboxSql)
  // ------------------------------------------------------------------------------------------

  pendingTasks(
    account: string,
    limit: number,
    afterRowId: number,
    now: number,
  ): Promise<OutboxTask[]> {
    return pendingTasks(this.ctx, account, limit, afterRowId, now);
  }

  claimTask(rowId: number, claim: Claim): Promise<ClaimResult> {
    return claimTask(this.ctx, rowId, claim);
  }

  releaseClaim(rowId: number, token: string, now: number): Promise<void> {
    return releaseClaim(this.ctx, rowId, token, now);
  }

  markAccepted(
    task: Pick<OutboxTask, 'rowId' | 'prefetchId'>,
    token: string,
    taskId: string,
    now: number,
    firstPollAt: number,
  ): Promise<boolean> {
    return markAccepted(this.ctx, task, token, taskId, now, firstPollAt);
  }

  markRejected(
    rowId: number,
    token: string,
    error: TaskError,
    now: number,
  ): Promise<boolean> {
    return markRejected(this.ctx, rowId, token, error, now);
  }

  markUncertain(
    rowId: number,
    token: string,
    error: TaskError,
    now: number,
  ): Promise<boolean> {
    return markUncertain(this.ctx, rowId, token, error, now);
  }

  recoverInterruptedClaims(now: number, graceMs: number): Promise<number> {
    return recoverInterruptedClaims(this.ctx, now, graceMs);
  }

  /** In unsentSql, beside the outbox. */
  failUnsentTasks(
    which: UnsentTasks,
    outcome: UnsentOutcome,
    now: number,
  ): Promise<number> {
    return failUnsentTasks(this.ctx, which, outcome, now);
  }

  // ------------------------------------------------------------------------------------------
  // Following VOD tasks (pollingSql)
  // ------------------------------------------------------------------------------------------

  dueForPolling(now: number, limit: number): Promise<OpenTask[]> {
    return dueForPolling(this.ctx, now, limit);
  }

  recordPoll(
    rowId: number,
    results: PrefetchUrlResult[],
    now: number,
    nextPollAt?: number,
  ): Promise<void> {
    return recordPoll(this.ctx, rowId, results, now, nextPollAt);
  }

  deferPoll(rowId: number, nextPollAt: number, now: number): Promise<void> {
    return deferPoll(this.ctx, rowId, nextPollAt, now);
  }

  markExpired(rowId: number, now: number): Promise<void> {
    return markExpired(this.ctx, rowId, now);
  }

  // ------------------------------------------------------------------------------------------
  // Housekeeping (housekeepingSql)
  // ------------------------------------------------------------------------------------------

  pruneIdempotencyKeys(now: number): Promise<number> {
    return pruneIdempotencyKeys(this.ctx, now);
  }

  sharedValue(name: string, make: () => string): Promise<string> {
    return sharedValue(this.ctx, name, make);
  }

  prunePrefetches(endedBefore: number, limit: number): Promise<number> {
    return prunePrefetches(this.ctx, endedBefore, limit);
  }

  pruneCallSlots(before: number): Promise<number> {
    return pruneCallSlots(this.ctx, before);
  }

  // ------------------------------------------------------------------------------------------
  // The account's rate, shared by replicas (callSlotsSql)
  // ------------------------------------------------------------------------------------------

  takeCallSlot(request: CallSlotRequest): Promise<CallSlotResult> {
    return takeCallSlot(this.ctx, request);
  }

  moveCallSlot(
    account: string,
    operation: string,
    seq: number,
    startedAt: number,
  ): Promise<void> {
    return moveCallSlot(this.ctx, account, operation, seq, startedAt);
  }

  releaseCallSlot(account: string, operation: string, seq: number) {
    return releaseCallSlot(this.ctx, account, operation, seq);
  }

  // ------------------------------------------------------------------------------------------
  // Transactions and the announcement of their changes
  // ------------------------------------------------------------------------------------------

  private async transaction<T>(
    run: (trx: Knex.Transaction) => Promise<T>,
  ): Promise<T> {
    let ids = new Set<string>();
    const result = await this.db.transaction(trx => {
      ids = new Set<string>();
      this.changed.set(trx, ids);
      return run(trx);
    });
    if (ids.size > 0 && this.listeners.length > 0) {
      this.db('vod_prefetches')
        .whereIn('id', [...ids])
        .select('id', 'entity_ref', 'status')
        .then(
          rows =>
            this.emit(
              rows.map(row => ({
                id: row.id,
                status: row.status,
                ...(row.entity_ref && { entityRef: row.entity_ref }),
              })),
            ),
          () => {}, // a lost announcement costs a late refresh, nothing more
        );
    }
    return result;
  }

  private announceCreated(results: CreatePrefetchResult[]) {
    const created = results.flatMap(r =>
      r.kind === 'created'
        ? [
            {
              id: r.prefetch.id,
              status: r.prefetch.status,
              ...(r.prefetch.entityRef && { entityRef: r.prefetch.entityRef }),
            },
          ]
        : [],
    );
    if (created.length > 0) this.emit(created);
  }

  /** Never throws: what a listener does with the news cannot undo or repeat a commit. */
  private emit(changes: PrefetchChange[]) {
    for (const listener of this.listeners) {
      try {
        listener(changes);
      } catch {
        // a lost announcement costs a late refresh, nothing more
      }
    }
  }
}
