import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { isDatabaseConflictError } from '@backstage/backend-plugin-api';
import type {
  Prefetch,
  PrefetchTask,
  PrefetchUrlResult,
} from '@mediaops/backstage-plugin-vod-common';
import type { Knex } from 'knex';
import {
  isTerminal,
  prefetchStatusFromTasks,
  TaskStatus,
  taskStatusFromResults,
} from './status';
import type {
  CreatePrefetchResult,
  NewPrefetch,
  OpenTask,
  OutboxTask,
  PrefetchCursor,
  PrefetchFilter,
  VodStore,
} from './VodStore';

const MIGRATIONS = resolvePackagePath(
  '@mediaops/backstage-plugin-vod-backend',
  'migrations',
);

type Row = Record<string, any>;

/** Most plain creates written in one transaction. */
const MAX_BATCH = 100;

/** VodStore on the plugin's database (SQLite, PostgreSQL or MySQL/MariaDB) through knex. */
export class DatabaseVodStore implements VodStore {
  private constructor(private readonly db: Knex) {}

  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
  }): Promise<DatabaseVodStore> {
    const db = await options.database.getClient();
    if (!options.database.migrations?.skip && !options.skipMigrations) {
      await db.migrate.latest({ directory: MIGRATIONS });
    }
    return new DatabaseVodStore(db);
  }

  /** For tests that bring their own knex (TestDatabases). */
  static async fromKnex(db: Knex): Promise<DatabaseVodStore> {
    await db.migrate.latest({ directory: MIGRATIONS });
    return new DatabaseVodStore(db);
  }

  /**
   * Plain creates (no idempotency key, not claimed) that arrive together are written in one
   * transaction: one quota UPDATE per account and day and one INSERT per table for all of them,
   * instead of five statements each (group commit). Each still gets its own outcome; a batch
   * that fails is retried one by one, so one bad prefetch fails alone.
   */
  createPrefetch(input: NewPrefetch): Promise<CreatePrefetchResult> {
    if (input.idempotency || input.claim) return this.createOne(input);
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private readonly queue: Array<{
    input: NewPrefetch;
    resolve: (result: CreatePrefetchResult) => void;
    reject: (error: unknown) => void;
  }> = [];
  private flushing = false;

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        const results = await this.withDeadlockRetries(() =>
          this.db.transaction(trx =>
            this.insertBatch(
              trx,
              batch.map(b => b.input),
            ),
          ),
        );
        batch.forEach((b, i) => b.resolve(results[i]));
      } catch {
        await Promise.all(
          batch.map(b => this.createOne(b.input).then(b.resolve, b.reject)),
        );
      }
    }
    this.flushing = false;
  }

  private async createOne(input: NewPrefetch): Promise<CreatePrefetchResult> {
    try {
      return await this.withDeadlockRetries(() =>
        this.db.transaction(trx => this.insertPrefetch(trx, input)),
      );
    } catch (error) {
      // A concurrent request with the same Idempotency-Key won: answer as it did.
      if (input.idempotency && isDatabaseConflictError(error)) {
        const replay = await this.replay(this.db, input);
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
      const allFit = await this.reserveQuota(trx, group[0], limit, total);
      for (const i of indexes) {
        const input = inputs[i];
        if (
          allFit ||
          (await this.reserveQuota(
            trx,
            input,
            input.quotaLimit,
            unitsOf(input),
          ))
        ) {
          results[i] = { kind: 'created', prefetch: writtenPrefetch(input) };
          accepted.push(input);
        } else {
          results[i] = {
            kind: 'over-quota',
            used: await this.quotaUsedIn(trx, input.account, input.quotaDay),
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

    if (
      !(await this.reserveQuota(trx, input, input.quotaLimit, unitsOf(input)))
    ) {
      return {
        kind: 'over-quota',
        used: await this.quotaUsedIn(trx, input.account, input.quotaDay),
      };
    }

    await trx('vod_prefetches').insert(prefetchRow(input));
    const rows = taskRows(input);
    let claimed: OutboxTask[] | undefined;
    if (input.claim) {
      // One row at a time: only a single-row insert tells its id on every database.
      claimed = [];
      for (const [seq, row] of rows.entries()) {
        claimed.push({
          rowId: await this.insertReturningId(trx, 'vod_tasks', row),
          prefetchId: input.id,
          account: input.account,
          assetId: input.assetId,
          urls: input.tasks[seq].urls,
          units: row.units,
          sendCount: 1,
          possibleDuplicate: false,
        });
      }
    } else {
      await trx('vod_tasks').insert(rows);
    }
    if (input.idempotency) {
      await trx('vod_idempotency_keys').insert({
        created_by: input.createdBy,
        idempotency_key: input.idempotency.key,
        request_hash: input.idempotency.requestHash,
        prefetch_id: input.id,
        created_at: input.now,
      });
    }
    return { kind: 'created', prefetch: writtenPrefetch(input), claimed };
  }

  private async insertReturningId(
    trx: Knex.Transaction,
    table: string,
    row: Row,
  ): Promise<number> {
    if (this.db.client.config.client === 'pg') {
      const [{ id }] = await trx(table).insert(row, ['id']);
      return Number(id);
    }
    // SQLite and MySQL answer a single-row insert with its id.
    const [id] = await trx(table).insert(row);
    return Number(id);
  }

  private async replay(
    db: Knex,
    input: NewPrefetch,
  ): Promise<CreatePrefetchResult | undefined> {
    const key = await db('vod_idempotency_keys')
      .where({
        created_by: input.createdBy,
        idempotency_key: input.idempotency!.key,
      })
      .first();
    if (!key) return undefined;
    if (key.request_hash !== input.idempotency!.requestHash) {
      return { kind: 'key-conflict' };
    }
    const prefetch = await this.readPrefetch(db, key.prefetch_id);
    return { kind: 'replayed', prefetch: prefetch! };
  }

  /**
   * Spends `units` only if they fit: one conditional UPDATE, atomic on every database, so
   * concurrent transactions cannot overspend. The row is created on the day's first use.
   */
  private async reserveQuota(
    trx: Knex.Transaction,
    at: { account: string; quotaDay: string },
    limit: number,
    units: number,
  ): Promise<boolean> {
    const where = { account: at.account, quota_day: at.quotaDay };
    const spend = () =>
      trx('vod_quota_usage')
        .where(where)
        .andWhere('used', '<=', limit - units)
        .increment('used', units);
    if ((await spend()) > 0) return true;
    const exists = await trx('vod_quota_usage').where(where).first();
    if (exists) return false;
    await trx('vod_quota_usage')
      .insert({ ...where, used: 0 })
      .onConflict(['account', 'quota_day'])
      .ignore();
    return (await spend()) > 0;
  }

  async quotaUsed(account: string, quotaDay: string): Promise<number> {
    return this.quotaUsedIn(this.db, account, quotaDay);
  }

  private async quotaUsedIn(db: Knex, account: string, quotaDay: string) {
    const row = await db('vod_quota_usage')
      .where({ account, quota_day: quotaDay })
      .first();
    return row ? Number(row.used) : 0;
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

  async findByTaskId(taskId: string) {
    const row = await this.db('vod_tasks')
      .join('vod_prefetches', 'vod_prefetches.id', 'vod_tasks.prefetch_id')
      .where('vod_tasks.task_id', taskId)
      .first(
        'vod_tasks.prefetch_id as prefetchId',
        'vod_prefetches.account as account',
      );
    return row
      ? { prefetchId: row.prefetchId, account: row.account }
      : undefined;
  }

  async pendingTasks(account: string, limit: number): Promise<OutboxTask[]> {
    const rows = await this.outboxQuery()
      .where('vod_prefetches.account', account)
      .andWhere('vod_tasks.status', 'pending')
      .orderBy('vod_tasks.id')
      .limit(limit);
    return rows.map(toOutboxTask);
  }

  private outboxQuery() {
    return this.db('vod_tasks')
      .join('vod_prefetches', 'vod_prefetches.id', 'vod_tasks.prefetch_id')
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
  }

  async claimTask(rowId: number, now: number): Promise<boolean> {
    const updated = await this.db('vod_tasks')
      .where({ id: rowId, status: 'pending' })
      .update({
        status: 'sending',
        sent_at: now,
        send_count: this.db.raw('send_count + 1'),
        updated_at: now,
      });
    return updated > 0;
  }

  async unclaimTask(rowId: number, now: number): Promise<void> {
    await this.db('vod_tasks')
      .where({ id: rowId, status: 'sending' })
      .update({
        status: 'pending',
        sent_at: null,
        send_count: this.db.raw('send_count - 1'),
        updated_at: now,
      });
  }

  async markAccepted(
    task: Pick<OutboxTask, 'rowId' | 'prefetchId'>,
    taskId: string,
    now: number,
    firstPollAt: number,
  ) {
    // With one task processing, its prefetch is `processing` whatever the others are; the
    // prefetch's error stays, as it only names tasks that have ended (see updateTaskIn).
    await this.db.transaction(async trx => {
      await trx('vod_tasks').where({ id: task.rowId }).update({
        status: 'processing',
        task_id: taskId,
        next_poll_at: firstPollAt,
        error_code: null,
        error_message: null,
        updated_at: now,
      });
      await trx('vod_prefetches')
        .where({ id: task.prefetchId })
        .update({ status: 'processing', updated_at: now });
    });
  }

  async markRejected(
    rowId: number,
    error: { code: string; message: string },
    now: number,
  ) {
    await this.db.transaction(async trx => {
      const task = await trx('vod_tasks').where({ id: rowId }).first();
      const prefetch = await trx('vod_prefetches')
        .where({ id: task.prefetch_id })
        .first();
      await trx('vod_quota_usage')
        .where({ account: prefetch.account, quota_day: prefetch.quota_day })
        .andWhere('used', '>=', task.units)
        .decrement('used', task.units);
      await this.updateTaskIn(trx, rowId, now, {
        status: 'failed',
        error_code: error.code,
        error_message: error.message,
      });
    });
  }

  async markUncertain(
    rowId: number,
    error: { code: string; message: string },
    now: number,
  ) {
    await this.db.transaction(async trx => {
      const task = await trx('vod_tasks').where({ id: rowId }).first();
      await this.requeueOrFail(trx, task, error, now);
    });
  }

  private async requeueOrFail(
    trx: Knex.Transaction,
    task: Row,
    error: { code: string; message: string },
    now: number,
  ) {
    const resent = Number(task.send_count) >= 2;
    await trx('vod_prefetches')
      .where({ id: task.prefetch_id })
      .update({ possible_duplicate: true });
    await this.updateTaskIn(trx, task.id, now, {
      status: resent ? 'failed' : 'pending',
      possible_duplicate: true,
      error_code: error.code,
      error_message: resent
        ? `${error.message}; sent twice without an answer, VOD may hold one or two tasks for it`
        : error.message,
    });
  }

  async recoverInFlight(now: number, sentBefore: number): Promise<number> {
    return this.db.transaction(async trx => {
      const stuck = await trx('vod_tasks')
        .where('status', 'sending')
        .andWhere('sent_at', '<', sentBefore);
      for (const task of stuck) {
        await this.requeueOrFail(
          trx,
          task,
          {
            code: 'VOD_CALL_INTERRUPTED',
            message: 'the call to VOD was in flight when the backend stopped',
          },
          now,
        );
      }
      return stuck.length;
    });
  }

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
        'vod_prefetches.account',
        'vod_prefetches.created_at',
      );
    return rows.map(row => ({
      rowId: Number(row.row_id),
      prefetchId: row.prefetch_id,
      account: row.account,
      taskId: row.task_id,
      pollCount: Number(row.poll_count),
      createdAt: Number(row.created_at),
    }));
  }

  async recordPoll(
    rowId: number,
    results: PrefetchUrlResult[],
    now: number,
    nextPollAt: number,
  ) {
    await this.db.transaction(async trx => {
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
      const status = taskStatusFromResults(results);
      await this.updateTaskIn(trx, rowId, now, {
        status,
        next_poll_at: isTerminal(status) ? null : nextPollAt,
        poll_count: trx.raw('poll_count + 1'),
      });
    });
  }

  async deferPoll(rowId: number, nextPollAt: number, now: number) {
    await this.db('vod_tasks')
      .where({ id: rowId })
      .update({
        next_poll_at: nextPollAt,
        poll_count: this.db.raw('poll_count + 1'),
        updated_at: now,
      });
  }

  async markExpired(rowId: number, now: number) {
    await this.updateTask(rowId, now, {
      status: 'expired',
      next_poll_at: null,
      error_code: 'VOD_TASK_EXPIRED',
      error_message:
        'VOD reported no end for this task within the configured window',
    });
  }

  private async updateTask(rowId: number, now: number, changes: Row) {
    await this.db.transaction(trx =>
      this.updateTaskIn(trx, rowId, now, changes),
    );
  }

  /** Updates a task and brings its prefetch's state (and first error) up to date. */
  private async updateTaskIn(
    trx: Knex.Transaction,
    rowId: number,
    now: number,
    changes: Row,
  ) {
    await trx('vod_tasks')
      .where({ id: rowId })
      .update({ ...changes, updated_at: now });
    const tasks = await trx('vod_tasks')
      .where(
        'prefetch_id',
        trx('vod_tasks').where({ id: rowId }).select('prefetch_id'),
      )
      .orderBy('seq');
    const prefetchId = tasks[0].prefetch_id;
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
  }
}

function unitsOf(input: NewPrefetch): number {
  return input.tasks.reduce((sum, t) => sum + t.units, 0);
}

function prefetchRow(input: NewPrefetch): Row {
  return {
    id: input.id,
    account: input.account,
    project_id: input.projectId,
    entity_ref: input.entityRef ?? null,
    asset_id: input.assetId ?? null,
    urls: input.urls ? JSON.stringify(input.urls) : null,
    status: 'pending',
    created_by: input.createdBy,
    created_at: input.now,
    updated_at: input.now,
    possible_duplicate: false,
    quota_day: input.quotaDay,
    quota_units: unitsOf(input),
  };
}

function taskRows(input: NewPrefetch): Row[] {
  return input.tasks.map((task, seq) => ({
    prefetch_id: input.id,
    seq,
    urls: task.urls ? JSON.stringify(task.urls) : null,
    status: input.claim ? 'sending' : 'pending',
    units: task.units,
    send_count: input.claim ? 1 : 0,
    sent_at: input.claim ? input.now : null,
    possible_duplicate: false,
    poll_count: 0,
    updated_at: input.now,
  }));
}

/** What createPrefetch wrote, without reading it back. */
function writtenPrefetch(input: NewPrefetch): Prefetch {
  return {
    id: input.id,
    status: 'pending',
    account: input.account,
    createdBy: input.createdBy,
    createdAt: new Date(input.now).toISOString(),
    updatedAt: new Date(input.now).toISOString(),
    possibleDuplicate: false,
    ...(input.entityRef && { entityRef: input.entityRef }),
    ...(input.assetId && { assetId: input.assetId }),
    ...(input.urls && { urls: input.urls }),
    tasks: input.tasks.map(task => ({
      status: 'pending' as const,
      results: [],
      ...(task.urls && { urls: task.urls }),
    })),
  };
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
    code === '40P01' || code === 'ER_LOCK_DEADLOCK' || code === 'SQLITE_BUSY'
  );
}

function parseUrls(value: unknown): string[] | undefined {
  return typeof value === 'string' ? JSON.parse(value) : undefined;
}

function toPrefetch(row: Row): Prefetch {
  const prefetch: Prefetch = {
    id: row.id,
    status: row.status,
    account: row.account,
    createdBy: row.created_by,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
    possibleDuplicate: Boolean(row.possible_duplicate),
  };
  if (row.entity_ref) prefetch.entityRef = row.entity_ref;
  if (row.asset_id) prefetch.assetId = row.asset_id;
  const urls = parseUrls(row.urls);
  if (urls) prefetch.urls = urls;
  if (row.error_code) {
    prefetch.error = { code: row.error_code, message: row.error_message ?? '' };
  }
  return prefetch;
}

function toTask(task: Row, results: Row[]): PrefetchTask {
  const out: PrefetchTask = {
    status: task.status === 'sending' ? 'pending' : task.status,
    results: results
      .filter(r => Number(r.task_row_id) === Number(task.id))
      .map(r => ({ url: r.url, status: r.status })),
  };
  if (task.task_id) out.taskId = task.task_id;
  const urls = parseUrls(task.urls);
  if (urls) out.urls = urls;
  if (task.error_code) {
    out.error = { code: task.error_code, message: task.error_message ?? '' };
  }
  return out;
}

function toOutboxTask(row: Row): OutboxTask {
  return {
    rowId: Number(row.row_id),
    prefetchId: row.prefetch_id,
    account: row.account,
    assetId: row.asset_id ?? undefined,
    urls: parseUrls(row.urls),
    units: Number(row.units),
    sendCount: Number(row.send_count),
    possibleDuplicate: Boolean(row.possible_duplicate),
  };
}
