import {
  DatabaseService,
  isDatabaseConflictError,
  LoggerService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import type {
  Prefetch,
  PrefetchUrlResult,
} from '@mediaops/backstage-plugin-vod-common';
import type { Knex } from 'knex';
import { GroupCommit } from './GroupCommit';
import { quotaUsedIn, refundQuota, reserveQuota } from './quotaSql';
import {
  prefetchRow,
  Row,
  taskRows,
  toOutboxTask,
  toPrefetch,
  toTask,
  unitsOf,
  writtenPrefetch,
} from './rows';
import {
  isTerminal,
  NO_ANSWER_CODE,
  TERMINAL_STATUSES,
  prefetchStatusFromTasks,
  TaskStatus,
  taskStatusFromResults,
} from './status';
import type {
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
  TaskState,
  UnsentTasks,
  VodStore,
} from './VodStore';

const MIGRATIONS = resolvePackagePath(
  '@mediaops/backstage-plugin-vod-backend',
  'migrations',
);

/** Most plain creates written in one transaction. */
const MAX_BATCH = 100;

/** VodStore on the plugin's database (SQLite, PostgreSQL or MySQL/MariaDB) through knex. */
export class DatabaseVodStore implements VodStore {
  private readonly locks: boolean;

  private constructor(private readonly db: Knex, logger?: LoggerService) {
    this.groupCommit = new GroupCommit({
      writeBatch: inputs =>
        this.withDeadlockRetries(() =>
          this.db.transaction(trx => this.insertBatch(trx, inputs)),
        ),
      writeOne: input => this.createOne(input),
      written: results => this.announceCreated(results),
      maxBatch: MAX_BATCH,
      logger,
    });
    // SELECT … FOR UPDATE (SKIP LOCKED) where the database has it; SQLite runs one writing
    // transaction at a time anyway.
    this.locks = !String(db.client.config.client).includes('sqlite');
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

  private readonly listeners: Array<(changes: PrefetchChange[]) => void> = [];
  /** The prefetches each open transaction changed, announced once it has committed. */
  private readonly changed = new WeakMap<Knex.Transaction, Set<string>>();

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

  // ------------------------------------------------------------------------------------------
  // Recording prefetches
  // ------------------------------------------------------------------------------------------

  /**
   * Plain creates (no idempotency key) that arrive together are written in one transaction: one
   * quota UPDATE per account and day and one INSERT per table for all of them, instead of five
   * statements each (group commit). Each still gets its own outcome; a batch that fails is
   * retried one by one, so one bad prefetch fails alone.
   */
  createPrefetch(input: NewPrefetch): Promise<CreatePrefetchResult> {
    return input.idempotency
      ? this.createOne(input)
      : this.groupCommit.write(input);
  }

  /** Plain creates that arrive together: one transaction, one quota UPDATE per account and day. */
  private readonly groupCommit: GroupCommit<NewPrefetch, CreatePrefetchResult>;

  private async createOne(input: NewPrefetch): Promise<CreatePrefetchResult> {
    try {
      const result = await this.withDeadlockRetries(() =>
        this.db.transaction(trx => this.insertPrefetch(trx, input)),
      );
      this.announceCreated([result]);
      return result;
    } catch (error) {
      // A concurrent request with the same Idempotency-Key won: answer as it did.
      if (input.idempotency && isDatabaseConflictError(error)) {
        const replay = await this.db.transaction(trx =>
          this.replay(trx, input),
        );
        if (replay) return replay;
      }
      throw error;
    }
  }

  private async withDeadlockRetries<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        if (attempt < 4 && isDeadlock(error)) continue;
        throw error;
      }
    }
  }

  /** Several plain creates in one transaction; the results are in the inputs' order. */
  private async insertBatch(
    trx: Knex.Transaction,
    inputs: NewPrefetch[],
  ): Promise<CreatePrefetchResult[]> {
    const results: CreatePrefetchResult[] = [];
    const accepted: NewPrefetch[] = [];
    const byQuota = new Map<string, number[]>();
    inputs.forEach((input, i) => {
      const key = `${input.account}\n${input.quotaDay}`;
      const indexes = byQuota.get(key) ?? [];
      indexes.push(i);
      byQuota.set(key, indexes);
    });
    for (const indexes of byQuota.values()) {
      const group = indexes.map(i => inputs[i]);
      const total = group.reduce((sum, input) => sum + unitsOf(input), 0);
      const limit = Math.min(...group.map(input => input.quotaLimit));
      // All of them fit: one UPDATE. Otherwise each in turn, as if they had come one by one.
      const allFit = await reserveQuota(trx, group[0], limit, total);
      for (const i of indexes) {
        const input = inputs[i];
        if (
          allFit ||
          (await reserveQuota(trx, input, input.quotaLimit, unitsOf(input)))
        ) {
          results[i] = { kind: 'created', prefetch: writtenPrefetch(input) };
          accepted.push(input);
        } else {
          results[i] = {
            kind: 'over-quota',
            used: await quotaUsedIn(trx, input.account, input.quotaDay),
          };
        }
      }
    }
    await insertChunked(trx, 'vod_prefetches', accepted.map(prefetchRow));
    await insertChunked(
      trx,
      'vod_tasks',
      accepted.flatMap(input => taskRows(input)),
    );
    return results;
  }

  private async insertPrefetch(
    trx: Knex.Transaction,
    input: NewPrefetch,
  ): Promise<CreatePrefetchResult> {
    const replay = input.idempotency && (await this.replay(trx, input));
    if (replay) return replay;

    if (!(await reserveQuota(trx, input, input.quotaLimit, unitsOf(input)))) {
      return {
        kind: 'over-quota',
        used: await quotaUsedIn(trx, input.account, input.quotaDay),
      };
    }
    await trx('vod_prefetches').insert(prefetchRow(input));
    await trx('vod_tasks').insert(taskRows(input));
    if (input.idempotency) {
      await trx('vod_idempotency_keys').insert({
        created_by: input.createdBy,
        idempotency_key: input.idempotency.key,
        request_hash: input.idempotency.requestHash,
        prefetch_id: input.id,
        created_at: input.now,
        expires_at: input.idempotency.expiresAt,
      });
    }
    return { kind: 'created', prefetch: writtenPrefetch(input) };
  }

  /** The prefetch a live idempotency key names; an expired key is deleted and counts as unused. */
  private async replay(
    trx: Knex.Transaction,
    input: NewPrefetch,
  ): Promise<CreatePrefetchResult | undefined> {
    const where = {
      created_by: input.createdBy,
      idempotency_key: input.idempotency!.key,
    };
    const key = await trx('vod_idempotency_keys').where(where).first();
    if (!key) return undefined;
    if (Number(key.expires_at) <= input.now) {
      await trx('vod_idempotency_keys').where(where).delete();
      return undefined;
    }
    if (key.request_hash !== input.idempotency!.requestHash) {
      return { kind: 'key-conflict' };
    }
    const prefetch = await this.readPrefetch(trx, key.prefetch_id);
    return { kind: 'replayed', prefetch: prefetch! };
  }

  // ------------------------------------------------------------------------------------------
  // Reading
  // ------------------------------------------------------------------------------------------

  async quotaUsed(account: string, quotaDay: string): Promise<number> {
    return quotaUsedIn(this.db, account, quotaDay);
  }

  async getPrefetch(id: string): Promise<Prefetch | undefined> {
    return this.readPrefetch(this.db, id);
  }

  private async readPrefetch(
    db: Knex,
    id: string,
  ): Promise<Prefetch | undefined> {
    const row = await db('vod_prefetches').where({ id }).first();
    if (!row) return undefined;
    const tasks = await db('vod_tasks')
      .where({ prefetch_id: id })
      .orderBy('seq');
    const results = tasks.length
      ? await db('vod_task_results')
          .whereIn(
            'task_row_id',
            tasks.map(t => t.id),
          )
          .orderBy('id')
      : [];
    return {
      ...toPrefetch(row),
      tasks: tasks.map(task => toTask(task, results)),
    };
  }

  async listPrefetches(
    filter: PrefetchFilter,
    page: { limit: number; cursor?: PrefetchCursor },
    visibility: PrefetchVisibility,
  ): Promise<{ items: Prefetch[]; next?: PrefetchCursor }> {
    const query = this.db('vod_prefetches')
      .orderBy([
        { column: 'created_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(page.limit + 1);
    if (filter.entityRef) query.where('entity_ref', filter.entityRef);
    if (filter.assetId) query.where('asset_id', filter.assetId);
    if (filter.account) query.where('account', filter.account);
    if (filter.status) query.where('status', filter.status);
    if (filter.createdBy) query.where('created_by', filter.createdBy);
    applyVisibility(query, visibility);
    const cursor = page.cursor;
    if (cursor) {
      query.where(q =>
        q
          .where('created_at', '<', cursor.createdAt)
          .orWhere(q2 =>
            q2
              .where('created_at', cursor.createdAt)
              .andWhere('id', '<', cursor.id),
          ),
      );
    }
    const rows = await query;
    const items = rows.slice(0, page.limit).map(toPrefetch);
    const last = rows.length > page.limit ? rows[page.limit - 1] : undefined;
    return {
      items,
      next: last
        ? { createdAt: Number(last.created_at), id: last.id }
        : undefined,
    };
  }

  async findVodTask(
    account: string,
    taskId: string,
  ): Promise<RecordedVodTask | undefined> {
    const row = await this.db('vod_tasks')
      .join('vod_prefetches', 'vod_prefetches.id', 'vod_tasks.prefetch_id')
      .where('vod_tasks.task_id', taskId)
      .andWhere('vod_prefetches.account', account)
      .first(
        'vod_tasks.id as row_id',
        'vod_tasks.prefetch_id',
        'vod_tasks.status',
        'vod_tasks.polled_at',
        'vod_prefetches.account',
        'vod_prefetches.entity_ref',
        'vod_prefetches.created_by',
      );
    if (!row) return undefined;
    const results = await this.db('vod_task_results')
      .where('task_row_id', row.row_id)
      .orderBy('id');
    return {
      rowId: Number(row.row_id),
      prefetchId: row.prefetch_id,
      account: row.account,
      entityRef: row.entity_ref ?? undefined,
      createdBy: row.created_by,
      taskId,
      status: row.status,
      results: results.map(r => ({ url: r.url, status: r.status })),
      polledAt: row.polled_at === null ? undefined : Number(row.polled_at),
    };
  }

  async taskStates(prefetchId: string): Promise<TaskState[]> {
    const rows = await this.db('vod_tasks')
      .where({ prefetch_id: prefetchId })
      .orderBy('seq');
    return rows.map(row => ({
      rowId: Number(row.id),
      status: row.status,
      possibleDuplicate: Boolean(row.possible_duplicate),
      ...(row.task_id && { taskId: row.task_id }),
      ...(row.error_code && {
        error: { code: row.error_code, message: row.error_message ?? '' },
      }),
    }));
  }

  async progressOf(
    prefetchIds: string[],
  ): Promise<
    Map<string, { total: number; succeeded: number; failed: number }>
  > {
    const out = new Map<
      string,
      { total: number; succeeded: number; failed: number }
    >();
    if (prefetchIds.length === 0) return out;
    const rows = await this.db('vod_task_results')
      .join('vod_tasks', 'vod_tasks.id', 'vod_task_results.task_row_id')
      .whereIn('vod_tasks.prefetch_id', prefetchIds)
      .groupBy('vod_tasks.prefetch_id', 'vod_task_results.status')
      .select(
        'vod_tasks.prefetch_id',
        'vod_task_results.status',
        this.db.raw('count(*) as n'),
      );
    for (const row of rows) {
      const entry = out.get(row.prefetch_id) ?? {
        total: 0,
        succeeded: 0,
        failed: 0,
      };
      const n = Number(row.n);
      entry.total += n;
      if (row.status === 'succeed') entry.succeeded += n;
      if (row.status === 'failed') entry.failed += n;
      out.set(row.prefetch_id, entry);
    }
    return out;
  }

  async queuePositions(prefetchIds: string[]): Promise<Map<string, number>> {
    if (prefetchIds.length === 0) return new Map();
    // Each prefetch's first open task, and the open tasks of its account ahead of it, counted
    // by the database: one query for a page, whatever the queue's length.
    const firsts = this.openTasks()
      .whereIn('vod_tasks.prefetch_id', prefetchIds)
      .groupBy('vod_tasks.prefetch_id', 'vod_prefetches.account')
      .select('vod_tasks.prefetch_id', 'vod_prefetches.account')
      .min({ first: 'vod_tasks.id' })
      .as('f');
    const open = this.openTasks()
      .select('vod_tasks.id', 'vod_prefetches.account')
      .as('o');
    const rows: Array<{ prefetch_id: string; ahead: number | string }> =
      await this.db
        .from(firsts)
        .leftJoin(open, function aheadOf() {
          this.on('o.account', '=', 'f.account').andOn('o.id', '<', 'f.first');
        })
        .groupBy('f.prefetch_id')
        .select('f.prefetch_id')
        .count({ ahead: 'o.id' });
    return new Map(rows.map(r => [r.prefetch_id, Number(r.ahead) + 1]));
  }

  async queued(account: string): Promise<number> {
    const [{ n }] = await this.openTasks(account).count({ n: '*' });
    return Number(n);
  }

  /** The tasks waiting for, or in, their call to VOD (of one account). */
  private openTasks(account?: string) {
    const query = this.db('vod_tasks')
      .join('vod_prefetches', 'vod_prefetches.id', 'vod_tasks.prefetch_id')
      .whereIn('vod_tasks.status', ['pending', 'sending']);
    return account === undefined
      ? query
      : query.andWhere('vod_prefetches.account', account);
  }

  // ------------------------------------------------------------------------------------------
  // The outbox
  // ------------------------------------------------------------------------------------------

  async pendingTasks(
    account: string,
    limit: number,
    afterRowId: number,
    now: number,
  ): Promise<OutboxTask[]> {
    const rows = await this.db('vod_tasks')
      .join('vod_prefetches', 'vod_prefetches.id', 'vod_tasks.prefetch_id')
      .where('vod_prefetches.account', account)
      .andWhere('vod_tasks.status', 'pending')
      .andWhere('vod_tasks.id', '>', afterRowId)
      .andWhere(q => sendableAt(q, now, 'vod_tasks.lease_until'))
      .orderBy('vod_tasks.id')
      .limit(limit)
      .select(
        'vod_tasks.id as row_id',
        'vod_tasks.prefetch_id',
        'vod_tasks.urls',
        'vod_tasks.units',
        'vod_tasks.send_count',
        'vod_tasks.possible_duplicate',
        'vod_prefetches.account',
        'vod_prefetches.asset_id',
      );
    return rows.map(toOutboxTask);
  }

  async claimTask(rowId: number, claim: Claim): Promise<ClaimResult> {
    const columns = {
      status: 'sending',
      claim_token: claim.token,
      lease_until: claim.leaseUntil,
      sent_at: claim.now,
      send_count: this.db.raw('send_count + 1'),
      updated_at: claim.now,
    };
    const claimed = await this.db('vod_tasks')
      .where({ id: rowId, status: 'pending', quota_day: claim.quotaDay })
      .andWhere(q => sendableAt(q, claim.now))
      .update(columns);
    if (claimed > 0) return 'claimed';
    // Not pending (or not sendable) any more, or its units are not on today's quota day: VOD
    // counts the call on the day it receives it, so they move to today, if today has room.
    return this.transaction(async trx => {
      const task = await this.lock(
        trx('vod_tasks')
          .join('vod_prefetches', 'vod_prefetches.id', 'vod_tasks.prefetch_id')
          .where({ 'vod_tasks.id': rowId, 'vod_tasks.status': 'pending' })
          .andWhere(q => sendableAt(q, claim.now, 'vod_tasks.lease_until'))
          .select(
            'vod_tasks.units',
            'vod_tasks.quota_day',
            'vod_tasks.send_count',
            'vod_prefetches.account',
          ),
      ).first();
      if (!task) return 'taken';
      const units = Number(task.units);
      if (task.quota_day !== claim.quotaDay) {
        if (task.quota_day !== null && Number(task.send_count) === 0) {
          // Its day is over unsent: VOD never counted it there. (One sent before may have been
          // counted there; that day keeps it.)
          await refundQuota(trx, task.account, task.quota_day, units);
        }
        const today = { account: task.account, quotaDay: claim.quotaDay };
        if (!(await reserveQuota(trx, today, claim.quotaLimit, units))) {
          // It holds no day's units until a day has room for it.
          await trx('vod_tasks')
            .where({ id: rowId })
            .update({ quota_day: null, updated_at: claim.now });
          return 'over-quota';
        }
      }
      await trx('vod_tasks')
        .where({ id: rowId, status: 'pending' })
        .update({ ...columns, quota_day: claim.quotaDay });
      return 'claimed';
    });
  }

  async releaseClaim(rowId: number, token: string, now: number) {
    await this.db('vod_tasks')
      .where({ id: rowId, status: 'sending', claim_token: token })
      .update({
        status: 'pending',
        claim_token: null,
        lease_until: null,
        sent_at: null,
        send_count: this.db.raw('send_count - 1'),
        updated_at: now,
      });
  }

  async markAccepted(
    task: Pick<OutboxTask, 'rowId' | 'prefetchId'>,
    token: string,
    taskId: string,
    now: number,
    firstPollAt: number,
  ): Promise<boolean> {
    const accepted = {
      status: 'processing',
      task_id: taskId,
      next_poll_at: firstPollAt,
      claim_token: null,
      lease_until: null,
      error_code: null,
      error_message: null,
      updated_at: now,
    };
    return this.transaction(async trx => {
      let updated = await trx('vod_tasks')
        .where({ id: task.rowId, status: 'sending', claim_token: token })
        .update(accepted);
      if (updated === 0) {
        // The claim lapsed and recovery queued the task again, unsent: VOD has it now, and got
        // it once, so it is no possible duplicate after all.
        updated = await trx('vod_tasks')
          .where({ id: task.rowId, status: 'pending', send_count: 1 })
          .whereNull('task_id')
          .update({ ...accepted, possible_duplicate: false });
        if (updated === 0) return false;
        const duplicate = await trx('vod_tasks')
          .where({ prefetch_id: task.prefetchId, possible_duplicate: true })
          .first('id');
        await trx('vod_prefetches')
          .where({ id: task.prefetchId })
          .update({ possible_duplicate: Boolean(duplicate) });
      }
      this.changed.get(trx)?.add(task.prefetchId);
      // With one task processing, its prefetch is `processing` whatever the others are; the
      // prefetch's error stays, as it only names tasks that have ended (see updateTask).
      await trx('vod_prefetches')
        .where({ id: task.prefetchId })
        .update({ status: 'processing', updated_at: now });
      return true;
    });
  }

  async markRejected(
    rowId: number,
    token: string,
    error: { code: string; message: string },
    now: number,
  ): Promise<boolean> {
    return this.transaction(async trx => {
      const task = await this.claimedTask(trx, rowId, token);
      if (!task) return false;
      await refundQuota(trx, task.account, task.quota_day, Number(task.units));
      await this.updateTask(trx, rowId, now, {
        status: 'failed',
        claim_token: null,
        lease_until: null,
        error_code: error.code,
        error_message: error.message,
      });
      return true;
    });
  }

  async markUncertain(
    rowId: number,
    token: string,
    error: { code: string; message: string },
    now: number,
  ): Promise<boolean> {
    return this.transaction(async trx => {
      const task = await this.claimedTask(trx, rowId, token);
      if (!task) return false;
      await this.requeueOrFail(trx, task, error, now);
      return true;
    });
  }

  async recoverInterruptedClaims(
    now: number,
    graceMs: number,
  ): Promise<number> {
    return this.transaction(async trx => {
      let query = trx('vod_tasks')
        .where('status', 'sending')
        .andWhere(q =>
          q.where('lease_until', '<', now).orWhereNull('lease_until'),
        )
        .orderBy('id')
        .limit(100);
      if (this.locks) query = query.forUpdate().skipLocked();
      const stuck = await query;
      for (const task of stuck) {
        await this.requeueOrFail(
          trx,
          task,
          {
            code: 'VOD_CALL_INTERRUPTED',
            message:
              'the call to VOD was in flight when its sender stopped answering',
          },
          now,
          now + graceMs,
        );
      }
      return stuck.length;
    });
  }

  /** A task still held by this claim, locked for the transaction, with its account. */
  private claimedTask(trx: Knex.Transaction, rowId: number, token: string) {
    return this.lock(
      trx('vod_tasks')
        .join('vod_prefetches', 'vod_prefetches.id', 'vod_tasks.prefetch_id')
        .where({
          'vod_tasks.id': rowId,
          'vod_tasks.status': 'sending',
          'vod_tasks.claim_token': token,
        })
        .select('vod_tasks.*', 'vod_prefetches.account'),
    ).first();
  }

  /**
   * Queued once more as a possible duplicate, or failed if it already was re-sent. With
   * `notBefore`, not sent again before then: a late acceptance by the lapsed claim's sender can
   * still be recorded in that time, instead of the task going to VOD twice.
   */
  private async requeueOrFail(
    trx: Knex.Transaction,
    task: Row,
    error: { code: string; message: string },
    now: number,
    notBefore?: number,
  ) {
    const resent = Number(task.send_count) >= 2;
    await trx('vod_prefetches')
      .where({ id: task.prefetch_id })
      .update({ possible_duplicate: true });
    await this.updateTask(
      trx,
      task.id,
      now,
      {
        status: resent ? 'failed' : 'pending',
        claim_token: null,
        // While pending, lease_until is the earliest time it may be sent again.
        lease_until: resent ? null : notBefore ?? null,
        possible_duplicate: true,
        ...(resent
          ? {
              error_code: NO_ANSWER_CODE,
              error_message: `sent twice without an answer (last: ${error.code} ${error.message}); VOD may hold one or two tasks for it`,
            }
          : { error_code: error.code, error_message: error.message }),
      },
      { claim_token: task.claim_token },
    );
  }

  async failUnsentTasks(
    which: UnsentTasks,
    outcome: {
      status: 'failed' | 'expired';
      error: { code: string; message: string };
      forgetKey?: boolean;
      failResent?: boolean;
    },
    now: number,
  ): Promise<number> {
    return this.transaction(async trx => {
      let query = trx('vod_tasks')
        .join('vod_prefetches', 'vod_prefetches.id', 'vod_tasks.prefetch_id')
        .where('vod_tasks.status', 'pending')
        .select(
          'vod_tasks.id',
          'vod_tasks.prefetch_id',
          'vod_tasks.units',
          'vod_tasks.quota_day',
          'vod_tasks.send_count',
          'vod_prefetches.account',
        )
        .orderBy('vod_tasks.id')
        .limit(which.limit ?? 1000);
      // Queued again after a send VOD may have received: not "unsent", unless asked for.
      if (!outcome.failResent) query = query.where('vod_tasks.send_count', 0);
      if (which.rowId !== undefined)
        query = query.where('vod_tasks.id', which.rowId);
      if (which.prefetchId !== undefined)
        query = query.where('vod_tasks.prefetch_id', which.prefetchId);
      if (which.createdBefore !== undefined)
        query = query.where(
          'vod_prefetches.created_at',
          '<',
          which.createdBefore,
        );
      const tasks = await this.lock(query);
      let unsent = 0;
      for (const task of tasks) {
        const resent = Number(task.send_count) > 0;
        if (resent) {
          // VOD may hold it: its quota stays spent, and it is not sent again.
          await this.updateTask(
            trx,
            task.id,
            now,
            {
              status: 'failed',
              lease_until: null,
              error_code: NO_ANSWER_CODE,
              error_message: `sent once without an answer, and given up before its re-send (${outcome.error.code}); VOD may hold it, so its quota stays counted`,
            },
            { status: 'pending' },
          );
          continue;
        }
        unsent++;
        if (task.quota_day !== null) {
          await refundQuota(
            trx,
            task.account,
            task.quota_day,
            Number(task.units),
          );
        }
        await this.updateTask(
          trx,
          task.id,
          now,
          {
            status: outcome.status,
            lease_until: null,
            error_code: outcome.error.code,
            error_message: outcome.error.message,
          },
          { status: 'pending', send_count: 0 },
        );
      }
      if (outcome.forgetKey) {
        for (const prefetchId of new Set(tasks.map(t => t.prefetch_id))) {
          const sent = await trx('vod_tasks')
            .where({ prefetch_id: prefetchId })
            .andWhere(q =>
              q.where('send_count', '>', 0).orWhereNotNull('task_id'),
            )
            .first('id');
          if (!sent) {
            await trx('vod_idempotency_keys')
              .where({ prefetch_id: prefetchId })
              .delete();
          }
        }
      }
      return unsent;
    });
  }

  // ------------------------------------------------------------------------------------------
  // Following VOD tasks
  // ------------------------------------------------------------------------------------------

  async dueForPolling(now: number, limit: number): Promise<OpenTask[]> {
    const rows = await this.db('vod_tasks')
      .join('vod_prefetches', 'vod_prefetches.id', 'vod_tasks.prefetch_id')
      .where('vod_tasks.status', 'processing')
      .andWhere('vod_tasks.next_poll_at', '<=', now)
      .orderBy('vod_tasks.next_poll_at')
      .limit(limit)
      .select(
        'vod_tasks.id as row_id',
        'vod_tasks.prefetch_id',
        'vod_tasks.task_id',
        'vod_tasks.poll_count',
        'vod_tasks.sent_at',
        'vod_prefetches.account',
      );
    return rows.map(row => ({
      rowId: Number(row.row_id),
      prefetchId: row.prefetch_id,
      account: row.account,
      taskId: row.task_id,
      pollCount: Number(row.poll_count),
      sentAt: Number(row.sent_at),
    }));
  }

  async recordPoll(
    rowId: number,
    results: PrefetchUrlResult[],
    now: number,
    nextPollAt?: number,
  ) {
    await this.transaction(async trx => {
      const status = taskStatusFromResults(results);
      const schedule: Row =
        nextPollAt === undefined
          ? {}
          : { next_poll_at: nextPollAt, poll_count: trx.raw('poll_count + 1') };
      // Most polls of a running task hear nothing new: no rewrite of its results, no signal.
      const unchanged =
        status === 'processing' &&
        sameResults(
          await trx('vod_task_results')
            .where({ task_row_id: rowId })
            .select('url', 'status'),
          results,
        );
      const updated = await this.updateTask(
        trx,
        rowId,
        now,
        {
          status,
          polled_at: now,
          ...schedule,
          ...(isTerminal(status) && { next_poll_at: null }),
        },
        { status: 'processing' },
        !unchanged,
      );
      if (!updated || unchanged) return;
      await trx('vod_task_results').where({ task_row_id: rowId }).delete();
      if (results.length) {
        await trx('vod_task_results').insert(
          results.map(r => ({
            task_row_id: rowId,
            url: r.url,
            status: r.status,
          })),
        );
      }
    });
  }

  async deferPoll(rowId: number, nextPollAt: number, now: number) {
    await this.db('vod_tasks')
      .where({ id: rowId, status: 'processing' })
      .update({
        next_poll_at: nextPollAt,
        poll_count: this.db.raw('poll_count + 1'),
        updated_at: now,
      });
  }

  async markExpired(rowId: number, now: number) {
    await this.transaction(trx =>
      this.updateTask(
        trx,
        rowId,
        now,
        {
          status: 'expired',
          next_poll_at: null,
          error_code: 'VOD_TASK_EXPIRED',
          error_message:
            'VOD reported no end for this task within the configured window',
        },
        { status: 'processing' },
      ),
    );
  }

  // ------------------------------------------------------------------------------------------
  // Housekeeping
  // ------------------------------------------------------------------------------------------

  async pruneIdempotencyKeys(now: number): Promise<number> {
    return this.db('vod_idempotency_keys')
      .where('expires_at', '<=', now)
      .delete();
  }

  async sharedValue(name: string, make: () => string): Promise<string> {
    await this.db('vod_settings')
      .insert({ name, value: make() })
      .onConflict('name')
      .ignore();
    const row = await this.db('vod_settings').where({ name }).first('value');
    return row.value;
  }

  async prunePrefetches(endedBefore: number, limit: number): Promise<number> {
    const ids = (
      await this.db('vod_prefetches')
        .whereIn('status', TERMINAL_STATUSES)
        .andWhere('updated_at', '<', endedBefore)
        .orderBy('updated_at')
        .limit(limit)
        .select('id')
    ).map(row => row.id);
    if (ids.length === 0) return 0;
    await this.transaction(async trx => {
      const tasks = trx('vod_tasks').whereIn('prefetch_id', ids).select('id');
      await trx('vod_task_results').whereIn('task_row_id', tasks).delete();
      await trx('vod_tasks').whereIn('prefetch_id', ids).delete();
      await trx('vod_idempotency_keys').whereIn('prefetch_id', ids).delete();
      await trx('vod_prefetches').whereIn('id', ids).delete();
    });
    return ids.length;
  }

  // ------------------------------------------------------------------------------------------

  private lock<T extends Knex.QueryBuilder>(query: T): T {
    return this.locks ? (query.forUpdate() as T) : query;
  }

  /**
   * Updates a task if it still is as `expected`, and brings its prefetch's state (and first
   * error) up to date; the prefetch is announced as changed unless `announce` is false. Returns
   * whether the task was updated.
   */
  private async updateTask(
    trx: Knex.Transaction,
    rowId: number,
    now: number,
    changes: Row,
    expected: Row = {},
    announce = true,
  ): Promise<boolean> {
    const updated = await trx('vod_tasks')
      .where({ id: rowId, ...expected })
      .update({ ...changes, updated_at: now });
    if (updated === 0) return false;
    const tasks = await trx('vod_tasks')
      .where(
        'prefetch_id',
        trx('vod_tasks').where({ id: rowId }).select('prefetch_id'),
      )
      .orderBy('seq');
    const prefetchId = tasks[0].prefetch_id;
    if (announce) this.changed.get(trx)?.add(prefetchId);
    // The first error of a task that has ended; a queued task's last error is not final.
    const failed = tasks.find(t => t.error_code && isTerminal(t.status));
    await trx('vod_prefetches')
      .where({ id: prefetchId })
      .update({
        status: prefetchStatusFromTasks(tasks.map(t => t.status as TaskStatus)),
        error_code: failed?.error_code ?? null,
        error_message: failed?.error_message ?? null,
        updated_at: now,
      });
    return true;
  }
}

/** Whether VOD reported the same URLs in the same states as last time. */
function sameResults(
  before: Array<{ url: string; status: string }>,
  after: PrefetchUrlResult[],
): boolean {
  const was = new Map(before.map(r => [r.url, r.status]));
  const now = new Map(after.map(r => [r.url, r.status]));
  return (
    was.size === before.length &&
    now.size === after.length &&
    was.size === now.size &&
    after.every(r => was.get(r.url) === r.status)
  );
}

/** A pending task may be sent now: no grace after a recovered claim, or it is over. */
function sendableAt(q: Knex.QueryBuilder, now: number, column = 'lease_until') {
  return q.whereNull(column).orWhere(column, '<=', now);
}

function applyVisibility(
  query: Knex.QueryBuilder,
  visibility: PrefetchVisibility,
) {
  const { entities, adhoc } = visibility;
  if (entities === 'all' && adhoc === 'all') return;
  query.where(q => {
    if (entities === 'all') q.orWhereNotNull('entity_ref');
    else if (entities !== 'none') {
      q.orWhere(q2 => {
        q2.whereNotNull('entity_ref');
        if (entities.except.length)
          q2.whereNotIn('entity_ref', entities.except);
      });
    }
    if (adhoc === 'all') q.orWhereNull('entity_ref');
    else {
      q.orWhere(q2 =>
        q2.whereNull('entity_ref').andWhere('created_by', adhoc.createdBy),
      );
    }
  });
}

/** Multi-row inserts of at most 500 rows, well below every database's bound-parameter limit. */
async function insertChunked(
  trx: Knex.Transaction,
  table: string,
  rows: Row[],
) {
  for (let i = 0; i < rows.length; i += 500) {
    await trx(table).insert(rows.slice(i, i + 500));
  }
}

function isDeadlock(error: unknown): boolean {
  const code = (error as { code?: string | number })?.code;
  return (
    code === '40P01' || // PostgreSQL deadlock
    code === '40001' || // PostgreSQL serialization failure
    code === 'ER_LOCK_DEADLOCK' ||
    code === 'SQLITE_BUSY'
  );
}
