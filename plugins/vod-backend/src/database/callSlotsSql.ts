// The account's rate shared by replicas: VOD calls numbered in order, call n starting only a
// window after call n - limit did.
import { isDatabaseConflictError } from '@backstage/backend-plugin-api';
import type { StoreContext } from './storeContext';
import type { CallSlotRequest, CallSlotResult } from './VodStore';

/** Tries before a caller that keeps losing the race for the next number is told to wait. */
const RACES = 5;

export async function takeCallSlot(
  ctx: StoreContext,
  request: CallSlotRequest,
): Promise<CallSlotResult> {
  const { account, operation, limit, windowMs, now } = request;
  const where = { account, operation };
  // Always after the last number taken: a gap below it (pruned, or released) is never filled,
  // so numbers stay in the order their calls were granted.
  let seq = (await lastSeq(ctx, account, operation)) + 1;
  for (let race = 0; race < RACES; race++) {
    const back = seq - limit;
    if (back >= 1) {
      const row = await ctx
        .db('vod_call_slots')
        .where({ ...where, seq: back })
        .first('started_at');
      const freeAt = row ? Number(row.started_at) + windowMs : 0;
      // Capped: a replica whose clock ran ahead may have written a time in the future.
      if (freeAt > now) return { waitMs: Math.min(freeAt - now, windowMs) };
    }
    try {
      await ctx.db('vod_call_slots').insert({ ...where, seq, started_at: now });
      return { seq };
    } catch (error) {
      if (!isDatabaseConflictError(error)) throw error;
      // Another replica took this number: the next free one is after the last taken.
      seq = (await lastSeq(ctx, account, operation)) + 1;
    }
  }
  return { waitMs: 1 };
}

export async function releaseCallSlot(
  ctx: StoreContext,
  account: string,
  operation: string,
  seq: number,
): Promise<void> {
  // The row stays (until pruned), and its place in the window is free.
  await ctx
    .db('vod_call_slots')
    .where({ account, operation, seq })
    .update({ started_at: 0 });
}

export async function moveCallSlot(
  ctx: StoreContext,
  account: string,
  operation: string,
  seq: number,
  startedAt: number,
): Promise<void> {
  await ctx
    .db('vod_call_slots')
    .where({ account, operation, seq })
    .andWhere('started_at', '>', 0)
    .update({ started_at: startedAt });
}

/** Deletes calls older than `before`, except each account's last (numbering goes on from it). */
export async function pruneCallSlots(
  ctx: StoreContext,
  before: number,
): Promise<number> {
  const lasts: Array<{ account: string; operation: string; seq: unknown }> =
    await ctx
      .db('vod_call_slots')
      .groupBy('account', 'operation')
      .select('account', 'operation')
      .max({ seq: 'seq' });
  let deleted = 0;
  for (const { account, operation, seq } of lasts) {
    deleted += await ctx
      .db('vod_call_slots')
      .where({ account, operation })
      .andWhere('seq', '<', Number(seq))
      .andWhere('started_at', '<', before)
      .delete();
  }
  return deleted;
}

async function lastSeq(
  ctx: StoreContext,
  account: string,
  operation: string,
): Promise<number> {
  const row = await ctx
    .db('vod_call_slots')
    .where({ account, operation })
    .max({ seq: 'seq' })
    .first();
  return Number(row?.seq ?? 0);
}
