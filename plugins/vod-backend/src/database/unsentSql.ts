// Giving up queued tasks (expired in the queue, account removed, seed wait over): refunds, keys.
import { refundQuota } from '../quota/quotaSql';
import { updateTask } from './taskUpdates';
import { NO_ANSWER_CODE } from './status';
import { lock, StoreContext } from './storeContext';
import type { UnsentOutcome, UnsentTasks } from './VodStore';

/** VodStore.failUnsentTasks: gives up tasks never sent, in one transaction. */
export async function failUnsentTasks(
  ctx: StoreContext,
  which: UnsentTasks,
  outcome: UnsentOutcome,
  now: number,
): Promise<number> {
  return ctx.transaction(async trx => {
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
    const tasks = await lock(ctx, query);
    let unsent = 0;
    for (const task of tasks) {
      const resent = Number(task.send_count) > 0;
      if (resent) {
        // VOD may hold it: its quota stays spent, and it is not sent again.
        await updateTask(
          ctx,
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
      await updateTask(
        ctx,
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
