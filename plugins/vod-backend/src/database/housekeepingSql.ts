// Housekeeping: pruning expired idempotency keys and ended prefetches, and values shared by all.
import { TERMINAL_STATUSES } from './status';
import type { StoreContext } from './storeContext';

export async function pruneIdempotencyKeys(
  ctx: StoreContext,
  now: number,
): Promise<number> {
  return ctx.db('vod_idempotency_keys').where('expires_at', '<=', now).delete();
}

export async function prunePrefetches(
  ctx: StoreContext,
  endedBefore: number,
  limit: number,
): Promise<number> {
  const ids = (
    await ctx
      .db('vod_prefetches')
      .whereIn('status', TERMINAL_STATUSES)
      .andWhere('updated_at', '<', endedBefore)
      .orderBy('updated_at')
      .limit(limit)
      .select('id')
  ).map(row => row.id);
  if (ids.length === 0) return 0;
  await ctx.transaction(async trx => {
    const tasks = trx('vod_tasks').whereIn('prefetch_id', ids).select('id');
    await trx('vod_task_results').whereIn('task_row_id', tasks).delete();
    await trx('vod_tasks').whereIn('prefetch_id', ids).delete();
    await trx('vod_idempotency_keys').whereIn('prefetch_id', ids).delete();
    await trx('vod_prefetches').whereIn('id', ids).delete();
  });
  return ids.length;
}

export async function sharedValue(
  ctx: StoreContext,
  name: string,
  make: () => string,
): Promise<string> {
  await ctx
    .db('vod_settings')
    .insert({ name, value: make() })
    .onConflict('name')
    .ignore();
  const row = await ctx.db('vod_settings').where({ name }).first('value');
  return row.value;
}
