// @ts-check

/**
 * Fenced claims, the quota day of each send, the age of polled results, expiring idempotency
 * keys, finding a task by VOD's task id, and room for a prefetch's whole URL list on MySQL.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('vod_tasks', table => {
    table
      .string('claim_token', 36)
      .nullable()
      .comment(
        'Set while a task is being sent; every later update of the send names it',
      );
    table
      .bigInteger('lease_until')
      .nullable()
      .comment('A claim still held after this time was interrupted');
    table
      .string('quota_day', 10)
      .nullable()
      .comment(
        'The quota day the units count on: the day VOD received the call',
      );
    table
      .bigInteger('polled_at')
      .nullable()
      .comment('When VOD last reported on this task');
    table.index(['status', 'lease_until'], 'vod_tasks_lease_idx');
    table.index(['task_id'], 'vod_tasks_task_id_idx');
  });
  await knex('vod_tasks').update({
    quota_day: knex('vod_prefetches')
      .select('quota_day')
      .where('vod_prefetches.id', knex.ref('vod_tasks.prefetch_id')),
  });

  await knex.schema.alterTable('vod_idempotency_keys', table => {
    table
      .bigInteger('expires_at')
      .nullable()
      .comment('After this time the key is forgotten and may be used anew');
    table.index(['expires_at'], 'vod_idempotency_keys_expires_idx');
  });
  await knex('vod_idempotency_keys').update({
    expires_at: knex.raw('created_at + ?', [24 * 3600_000]),
  });

  // MySQL's TEXT holds 64 KB; a prefetch may list hundreds of URLs of up to 2 KB each.
  if (isMySql(knex)) {
    await knex.schema.alterTable('vod_prefetches', table => {
      table
        .text('urls', 'mediumtext')
        .nullable()
        .comment('JSON array of the URLs asked for')
        .alter();
    });
  }
};

/** @param {import('knex').Knex} knex */
function isMySql(knex) {
  return String(knex.client.config.client).includes('mysql');
}

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  // Fails on MySQL while a prefetch lists more than TEXT's 64 KB of URLs: delete those first.
  if (isMySql(knex)) {
    await knex.schema.alterTable('vod_prefetches', table => {
      table
        .text('urls')
        .nullable()
        .comment('JSON array of the URLs asked for')
        .alter();
    });
  }
  await knex.schema.alterTable('vod_idempotency_keys', table => {
    table.dropIndex([], 'vod_idempotency_keys_expires_idx');
    table.dropColumn('expires_at');
  });
  await knex.schema.alterTable('vod_tasks', table => {
    table.dropIndex([], 'vod_tasks_lease_idx');
    table.dropIndex([], 'vod_tasks_task_id_idx');
    table.dropColumn('claim_token');
    table.dropColumn('lease_until');
    table.dropColumn('quota_day');
    table.dropColumn('polled_at');
  });
};
