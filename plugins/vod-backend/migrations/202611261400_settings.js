// @ts-check

/**
 * Values the backend makes once and every instance shares: the key that names entities' signal
 * channels.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('vod_settings', table => {
    table.comment(
      'Values made once and shared by every instance of the backend',
    );
    table.string('name', 64).primary().notNullable();
    table.text('value').notNullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('vod_settings');
};
