// @ts-check

/**
 * The vod plugin's tables. Times are epoch milliseconds (bigint) so that ordering and arithmetic
 * work the same on SQLite, PostgreSQL and MySQL/MariaDB.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('vod_prefetches', table => {
    table.comment(
      'One prefetch request: an asset, or a list of URLs split into VOD tasks',
    );
    table.string('id', 36).primary();
    table.string('account', 63).notNullable();
    table.string('project_id', 64).notNullable();
    table.string('entity_ref', 255).nullable();
    table.string('asset_id', 32).nullable();
    table.text('urls').nullable().comment('JSON array of the URLs asked for');
    table.string('status', 20).notNullable();
    table.string('created_by', 255).notNullable();
    table.bigInteger('created_at').notNullable();
    table.bigInteger('updated_at').notNullable();
    table.boolean('possible_duplicate').notNullable().defaultTo(false);
    table.string('quota_day', 10).notNullable();
    table.integer('quota_units').notNullable();
    table.string('error_code', 64).nullable();
    table.text('error_message').nullable();
    table.index(['created_at', 'id'], 'vod_prefetches_created_idx');
    table.index(['entity_ref', 'created_at'], 'vod_prefetches_entity_idx');
    table.index(['asset_id', 'created_at'], 'vod_prefetches_asset_idx');
    table.index(['status', 'created_at'], 'vod_prefetches_status_idx');
    table.index(['account', 'created_at'], 'vod_prefetches_account_idx');
    table.index(['created_by', 'created_at'], 'vod_prefetches_created_by_idx');
  });

  await knex.schema.createTable('vod_tasks', table => {
    table.comment(
      'One VOD call of a prefetch (an asset, or up to 10 URLs): the outbox',
    );
    table.increments('id');
    table
      .string('prefetch_id', 36)
      .notNullable()
      .references('id')
      .inTable('vod_prefetches')
      .onDelete('CASCADE');
    table.integer('seq').notNullable();
    table
      .text('urls')
      .nullable()
      .comment('JSON array; null for an asset prefetch');
    table.string('task_id', 64).nullable();
    table.string('status', 20).notNullable();
    table.integer('units').notNullable();
    table.bigInteger('sent_at').nullable();
    table.integer('send_count').notNullable().defaultTo(0);
    table.boolean('possible_duplicate').notNullable().defaultTo(false);
    table.bigInteger('next_poll_at').nullable();
    table.integer('poll_count').notNullable().defaultTo(0);
    table.string('error_code', 64).nullable();
    table.text('error_message').nullable();
    table.bigInteger('updated_at').notNullable();
    table.unique(['prefetch_id', 'seq'], {
      indexName: 'vod_tasks_prefetch_seq_uq',
    });
    table.index(['status', 'id'], 'vod_tasks_status_idx');
    table.index(['status', 'next_poll_at'], 'vod_tasks_poll_idx');
  });

  await knex.schema.createTable('vod_task_results', table => {
    table.comment('The last state VOD reported for each URL of a task');
    table.increments('id');
    table
      .integer('task_row_id')
      .unsigned()
      .notNullable()
      .references('id')
      .inTable('vod_tasks')
      .onDelete('CASCADE');
    table.text('url').notNullable();
    table.string('status', 20).notNullable();
    table.index(['task_row_id'], 'vod_task_results_task_idx');
  });

  await knex.schema.createTable('vod_idempotency_keys', table => {
    table.comment(
      'Idempotency-Key headers per caller, with a hash of the request they came with',
    );
    table.string('created_by', 255).notNullable();
    table.string('idempotency_key', 255).notNullable();
    table.string('request_hash', 64).notNullable();
    table
      .string('prefetch_id', 36)
      .notNullable()
      .references('id')
      .inTable('vod_prefetches')
      .onDelete('CASCADE');
    table.bigInteger('created_at').notNullable();
    table.primary(['created_by', 'idempotency_key']);
  });

  await knex.schema.createTable('vod_quota_usage', table => {
    table.comment('Quota units used per account and quota day');
    table.string('account', 63).notNullable();
    table.string('quota_day', 10).notNullable();
    table.integer('used').notNullable().defaultTo(0);
    table.primary(['account', 'quota_day']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('vod_quota_usage');
  await knex.schema.dropTable('vod_idempotency_keys');
  await knex.schema.dropTable('vod_task_results');
  await knex.schema.dropTable('vod_tasks');
  await knex.schema.dropTable('vod_prefetches');
};
