// @ts-check

/**
 * Idempotency keys compare exactly, as on PostgreSQL and SQLite: `k` and `K` are two keys. MySQL's
 * default collation made them one (and the batch writer, which compares exactly, then wrote a
 * batch that the primary key refused). The caller's entity ref keeps comparing without case.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  if (!isMysql(knex)) return;
  await knex.raw(
    'ALTER TABLE vod_idempotency_keys MODIFY idempotency_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL',
  );
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  if (!isMysql(knex)) return;
  await knex.raw(
    'ALTER TABLE vod_idempotency_keys MODIFY idempotency_key VARCHAR(255) CHARACTER SET utf8mb4 NOT NULL',
  );
};

/** @param {import('knex').Knex} knex */
function isMysql(knex) {
  return String(knex.client.config.client).includes('mysql');
}
