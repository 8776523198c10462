// A task's state change and what it means for its prefetch: the one transition the outbox, the
// unsent-task sweep and the poller all write through.
import type { Knex } from 'knex';
import type { Row } from './rows';
import { isTerminal, prefetchStatusFromTasks, TaskStatus } from './status';
import type { StoreContext } from './storeContext';

/**
 * Updates a task if it still is as `expected`, and brings its prefetch's state (and first
 * error) up to date; the prefetch is announced as changed unless `announce` is false. Returns
 * whether the task was updated. (The outbox's updates go through here too.)
 */
export async function updateTask(
  ctx: StoreContext,
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
  if (announce) ctx.markChanged(trx, prefetchId);
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
