// The outbox: pending VOD calls, their claims (fenced by token), and what became of each send.
import type { Knex } from 'knex';
import { refundQuota, reserveQuota } from '../quota/quotaSql';
import { withDeadlockRetries } from './deadlocks';
import { updateTask } from './taskUpdates';
import { Row, toOutboxTask } from './rows';
import { NO_ANSWER_CODE } from './status';
import { lock, StoreContext } from './storeContext';
import type { Claim, ClaimResult, OutboxTask, TaskError } from './VodStore';

export async function pendingTasks(
  ctx: StoreContext,
  account: string,
  limit: number,
  afterRowId: number,
  now: number,
): Promise<OutboxTask[]> {
  const rows = await ctx
    .db('vod_tasks')
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

export function claimTask(
  ctx: StoreContext,
  rowId: number,
  claim: Claim,
): Promise<ClaimResult> {
  // Replicas racing for one task can deadlock on MySQL (its UPDATEs may lock the task through
  // the status index or the primary key, in either order): the one rolled back tries again, and
  // finds the task taken.
  return withDeadlockRetries(() => claimOnce(ctx, rowId, claim));
}

async function claimOnce(
  ctx: StoreContext,
  rowId: number,
  claim: Claim,
): Promise<ClaimResult> {
  const columns = {
    status: 'sending',
    claim_token: claim.token,
    lease_until: claim.leaseUntil,
    sent_at: claim.now,
    send_count: ctx.db.raw('send_count + 1'),
    updated_at: claim.now,
  };
  const claimed = await ctx
    .db('vod_tasks')
    .where({
      id: rowId,
      status: 'pending',
      quota_day: claim.quotaDay,
      send_count: 0,
    })
    .andWhere(q => sendableAt(q, claim.now))
    .update(columns);
  if (claimed > 0) return 'claimed';
  // Not pending (or not sendable) any more, its units not on today's quota day, or a re-send:
  // VOD counts every call it receives on the day it receives it, so the units move to today, or
  // for a re-send are reserved on today once more (the first call may have counted too), if
  // today has room.
  return ctx.transaction(async trx => {
    const task = await lock(
      ctx,
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
    const resend = Number(task.send_count) > 0;
    if (task.quota_day !== claim.quotaDay || resend) {
      if (task.quota_day !== null && !resend) {
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

export async function releaseClaim(
  ctx: StoreContext,
  rowId: number,
  token: string,
  now: number,
): Promise<void> {
  await settleClaim(ctx, rowId, token, async (trx, task) => {
    await trx('vod_tasks')
      .where({ id: rowId })
      .update({
        status: 'pending',
        claim_token: null,
        lease_until: null,
        sent_at: null,
        send_count: Number(task.send_count) - 1,
        updated_at: now,
      });
    // A re-send reserved its units on its claim (see claimTask); not made, they go back.
    if (Number(task.send_count) >= 2 && task.quota_day !== null) {
      await refundQuota(trx, task.account, task.quota_day, Number(task.units));
    }
  });
}

export async function markAccepted(
  ctx: StoreContext,
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
  return ctx.transaction(async trx => {
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
    ctx.markChanged(trx, task.prefetchId);
    // With one task processing, its prefetch is `processing` whatever the others are; the
    // prefetch's error stays, as it only names tasks that have ended (see updateTask).
    await trx('vod_prefetches')
      .where({ id: task.prefetchId })
      .update({ status: 'processing', updated_at: now });
    return true;
  });
}

export function markRejected(
  ctx: StoreContext,
  rowId: number,
  token: string,
  error: TaskError,
  now: number,
): Promise<boolean> {
  return settleClaim(ctx, rowId, token, async (trx, task) => {
    await refundQuota(trx, task.account, task.quota_day, Number(task.units));
    await updateTask(ctx, trx, rowId, now, {
      status: 'failed',
      claim_token: null,
      lease_until: null,
      error_code: error.code,
      error_message: error.message,
    });
  });
}

export function markUncertain(
  ctx: StoreContext,
  rowId: number,
  token: string,
  error: TaskError,
  now: number,
): Promise<boolean> {
  return settleClaim(ctx, rowId, token, (trx, task) =>
    requeueOrFail(ctx, trx, task, error, now),
  );
}

export async function recoverInterruptedClaims(
  ctx: StoreContext,
  now: number,
  graceMs: number,
): Promise<number> {
  return ctx.transaction(async trx => {
    let query = trx('vod_tasks')
      .where('status', 'sending')
      .andWhere(q =>
        q.where('lease_until', '<', now).orWhereNull('lease_until'),
      )
      .orderBy('id')
      .limit(100);
    if (ctx.locks) query = query.forUpdate().skipLocked();
    const stuck = await query;
    for (const task of stuck) {
      await requeueOrFail(
        ctx,
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

/**
 * Settles a send still held by this claim (the task locked for the transaction, with its
 * account); false, changing nothing, when the claim was lost.
 */
function settleClaim(
  ctx: StoreContext,
  rowId: number,
  token: string,
  settle: (trx: Knex.Transaction, task: Row) => Promise<void>,
): Promise<boolean> {
  return ctx.transaction(async trx => {
    const task = await lock(
      ctx,
      trx('vod_tasks')
        .join('vod_prefetches', 'vod_prefetches.id', 'vod_tasks.prefetch_id')
        .where({
          'vod_tasks.id': rowId,
          'vod_tasks.status': 'sending',
          'vod_tasks.claim_token': token,
        })
        .select('vod_tasks.*', 'vod_prefetches.account'),
    ).first();
    if (!task) return false;
    await settle(trx, task);
    return true;
  });
}

/**
 * Queued once more as a possible duplicate, or failed if it already was re-sent. With
 * `notBefore`, not sent again before then: a late acceptance by the lapsed claim's sender can
 * still be recorded in that time, instead of the task going to VOD twice.
 */
async function requeueOrFail(
  ctx: StoreContext,
  trx: Knex.Transaction,
  task: Row,
  error: TaskError,
  now: number,
  notBefore?: number,
) {
  const resent = Number(task.send_count) >= 2;
  await trx('vod_prefetches')
    .where({ id: task.prefetch_id })
    .update({ possible_duplicate: true });
  await updateTask(
    ctx,
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

/** A pending task may be sent now: no grace after a recovered claim, or it is over. */
function sendableAt(q: Knex.QueryBuilder, now: number, column = 'lease_until') {
  return q.whereNull(column).orWhere(column, '<=', now);
}
