// Reading prefetches and their tasks: one prefetch, a visible page, progress and the queue.
import type { Prefetch } from '@mediaops/backstage-plugin-vod-common';
import type { Knex } from 'knex';
import { toPrefetch, toTask } from './rows';
import type { StoreContext } from './storeContext';
import type {
  PrefetchCursor,
  PrefetchFilter,
  PrefetchVisibility,
  RecordedVodTask,
  TaskState,
} from './VodStore';

/** A prefetch with its tasks and their results, read with `db` (or in a transaction). */
export async function readPrefetch(
  db: Knex,
  id: string,
): Promise<Prefetch | undefined> {
  const row = await db('vod_prefetches').where({ id }).first();
  if (!row) return undefined;
  const tasks = await db('vod_tasks').where({ prefetch_id: id }).orderBy('seq');
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

export async function listPrefetches(
  ctx: StoreContext,
  filter: PrefetchFilter,
  page: { limit: number; cursor?: PrefetchCursor },
  visibility: PrefetchVisibility,
): Promise<{ items: Prefetch[]; next?: PrefetchCursor }> {
  const query = ctx
    .db('vod_prefetches')
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

export async function findVodTask(
  ctx: StoreContext,
  account: string,
  taskId: string,
): Promise<RecordedVodTask | undefined> {
  const row = await ctx
    .db('vod_tasks')
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
  const results = await ctx
    .db('vod_task_results')
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

export async function taskStates(
  ctx: StoreContext,
  prefetchId: string,
): Promise<TaskState[]> {
  const rows = await ctx
    .db('vod_tasks')
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

export async function progressOf(
  ctx: StoreContext,
  prefetchIds: string[],
): Promise<Map<string, { total: number; succeeded: number; failed: number }>> {
  const out = new Map<
    string,
    { total: number; succeeded: number; failed: number }
  >();
  if (prefetchIds.length === 0) return out;
  const rows = await ctx
    .db('vod_task_results')
    .join('vod_tasks', 'vod_tasks.id', 'vod_task_results.task_row_id')
    .whereIn('vod_tasks.prefetch_id', prefetchIds)
    .groupBy('vod_tasks.prefetch_id', 'vod_task_results.status')
    .select(
      'vod_tasks.prefetch_id',
      'vod_task_results.status',
      ctx.db.raw('count(*) as n'),
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

export async function queuePositions(
  ctx: StoreContext,
  prefetchIds: string[],
): Promise<Map<string, number>> {
  if (prefetchIds.length === 0) return new Map();
  // Each prefetch's first open task, and the open tasks of its account ahead of it, counted
  // by the database: one query for a page, whatever the queue's length.
  const firsts = openTasks(ctx)
    .whereIn('vod_tasks.prefetch_id', prefetchIds)
    .groupBy('vod_tasks.prefetch_id', 'vod_prefetches.account')
    .select('vod_tasks.prefetch_id', 'vod_prefetches.account')
    .min({ first: 'vod_tasks.id' })
    .as('f');
  const open = openTasks(ctx)
    .select('vod_tasks.id', 'vod_prefetches.account')
    .as('o');
  const rows: Array<{ prefetch_id: string; ahead: number | string }> =
    await ctx.db
      .from(firsts)
      .leftJoin(open, function aheadOf() {
        this.on('o.account', '=', 'f.account').andOn('o.id', '<', 'f.first');
      })
      .groupBy('f.prefetch_id')
      .select('f.prefetch_id')
      .count({ ahead: 'o.id' });
  return new Map(rows.map(r => [r.prefetch_id, Number(r.ahead) + 1]));
}

export async function queued(
  ctx: StoreContext,
  account: string,
): Promise<number> {
  const [{ n }] = await openTasks(ctx, account).count({ n: '*' });
  return Number(n);
}

/** The tasks waiting for, or in, their call to VOD (of one account). */
function openTasks(ctx: StoreContext, account?: string) {
  const query = ctx
    .db('vod_tasks')
    .join('vod_prefetches', 'vod_prefetches.id', 'vod_tasks.prefetch_id')
    .whereIn('vod_tasks.status', ['pending', 'sending']);
  return account === undefined
    ? query
    : query.andWhere('vod_prefetches.account', account);
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
