import type { Knex } from 'knex';

/**
 * Spends `units` of an account's quota day only if they fit: one conditional UPDATE, atomic on
 * every database, so concurrent transactions (and replicas) cannot overspend. When it changes
 * nothing, the day's row is made sure to exist and the UPDATE tried once more: a row another
 * transaction was creating is invisible to the first try (only the second tells "full" from
 * "not there yet").
 */
export async function reserveQuota(
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
  await trx('vod_quota_usage')
    .insert({ ...where, used: 0 })
    .onConflict(['account', 'quota_day'])
    .ignore();
  return (await spend()) > 0;
}

/** Gives units back to the quota day they were counted on (VOD did not take them). */
export async function refundQuota(
  trx: Knex.Transaction,
  account: string,
  quotaDay: string,
  units: number,
): Promise<void> {
  await trx('vod_quota_usage')
    .where({ account, quota_day: quotaDay })
    .andWhere('used', '>=', units)
    .decrement('used', units);
}

export async function quotaUsedIn(
  db: Knex,
  account: string,
  quotaDay: string,
  options: { locking?: boolean } = {},
): Promise<number> {
  const query = db('vod_quota_usage').where({ account, quota_day: quotaDay });
  const row = await (options.locking ? query.forUpdate() : query).first();
  return row ? Number(row.used) : 0;
}
