// @ts-check

/**
 * The calls made to VOD per account, numbered in order, so that every replica shapes its calls
 * to the account's one rate: call n may start only a window after call n - limit started.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('vod_call_slots', table => {
    table.comment(
      'Calls to VOD per account and operation, numbered in order, for the rate shared by replicas',
    );
    table.string('account', 63).notNullable();
    table.string('operation', 16).notNullable();
    table.bigInteger('seq').notNullable();
    table
      .bigInteger('started_at')
      .notNullable()
      .comment('When the call was granted (epoch ms); 0 when it was not made');
    table.primary(['account', 'operation', 'seq']);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('vod_call_slots');
};
