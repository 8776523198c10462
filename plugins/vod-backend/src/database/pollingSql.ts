// Following VOD tasks: which are due for a poll, what a poll heard, deferrals and expiry.
import type { PrefetchUrlResult } from '@mediaops/backstage-plugin-vod-common';
import type { Row } from './rows';
import { isTerminal, taskStatusFromResults } from './status';
import type { StoreContext } from './storeContext';
import { updateTask } from './taskUpdates';
import type { OpenTask } from './VodStore';

export async function dueForPolling(
  ctx: StoreContext,
  now: number,
  limit: number,
): Promise<OpenTask[]> {
  const rows = await ctx
    .db('vod_tasks')
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

export async function recordPoll(
  ctx: StoreContext,
  rowId: number,
  results: PrefetchUrlResult[],
  now: number,
  nextPollAt?: number,
): Promise<void> {
  await ctx.transaction(async trx => {
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
    const updated = await updateTask(
      ctx,
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

export async function deferPoll(
  ctx: StoreContext,
  rowId: number,
  nextPollAt: number,
  now: number,
): Promise<void> {
  await ctx
    .db('vod_tasks')
    .where({ id: rowId, status: 'processing' })
    .update({
      next_poll_at: nextPollAt,
      poll_count: ctx.db.raw('poll_count + 1'),
      updated_at: now,
    });
}

export async function markExpired(
  ctx: StoreContext,
  rowId: number,
  now: number,
): Promise<void> {
  await ctx.transaction(trx =>
    updateTask(
      ctx,
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
