// Set-up of the tests where transactions really race: replicas of the store, row-lock waits,
// the database's own deadlock error, and a knex whose transactions deadlock on demand.
import type { LoggerService } from '@backstage/backend-plugin-api';
import { mockServices, TestDatabaseId } from '@backstage/backend-test-utils';
import type { Knex } from 'knex';
import { DatabaseVodStore } from '../DatabaseVodStore';
import { isDeadlock } from '../deadlocks';

/** `n` more instances of the store on the same database, as the plugin's replicas would be. */
export function replicas(
  db: Knex,
  n: number,
  logger?: LoggerService,
): Promise<DatabaseVodStore[]> {
  return Promise.all(
    Array.from({ length: n }, () =>
      DatabaseVodStore.create({
        database: mockServices.database({
          knex: db,
          migrations: { skip: true },
        }),
        logger,
      }),
    ),
  );
}

/** Resolves after `n` turns of the event loop (a group commit flushes on the next turn). */
export async function afterTurns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise(setImmediate);
}

const isPostgres = (db: Knex) => String(db.client.config.client).includes('pg');

/** How many transactions on this test database wait for a lock (PostgreSQL and MariaDB). */
async function lockWaits(db: Knex): Promise<number> {
  if (isPostgres(db)) {
    const { rows } = await db.raw(
      `select count(*)::int as n from pg_stat_activity
       where datname = current_database() and wait_event_type = 'Lock'`,
    );
    return rows[0].n;
  }
  const [rows] = await db.raw(
    `select count(*) as n from information_schema.innodb_trx t
     join information_schema.processlist p on p.id = t.trx_mysql_thread_id
     where t.trx_state = 'LOCK WAIT' and p.db = database()`,
  );
  return Number(rows[0].n);
}

/** Waits until `n` transactions on this test database wait for a lock. */
export async function untilLockWaits(db: Knex, n: number): Promise<void> {
  // InnoDB refreshes what information_schema shows of its transactions only when it has not
  // been read for 100 ms: each read comes later than that, or it could show an old wait.
  const pause = isPostgres(db) ? 5 : 150;
  const deadline = Date.now() + 10_000;
  for (;;) {
    await new Promise(resolve => setTimeout(resolve, pause));
    if ((await lockWaits(db)) >= n) return;
    if (Date.now() > deadline) {
      throw new Error(`never saw ${n} transactions waiting for a lock`);
    }
  }
}

/**
 * Opens a transaction that PostgreSQL never picks as a deadlock's victim when another waiter
 * checks first (its own check comes after 30 s, the others' after the default 1 s), and that
 * MariaDB does not pick either (it has written more rows: InnoDB aborts the lighter one).
 */
export async function heavyTransaction(db: Knex): Promise<Knex.Transaction> {
  const trx = await db.transaction();
  if (isPostgres(db)) {
    await trx.raw(`set local deadlock_timeout = '30s'`);
  } else {
    await trx('vod_call_slots').insert(
      Array.from({ length: 20 }, (_, seq) => ({
        account: 'heavy',
        operation: 'weight',
        seq,
        started_at: 0,
      })),
    );
  }
  return trx;
}

/** Whether an error is the database's deadlock (or serialization) error. */
/**
 * The error the database raises on a deadlock, from a real one between two transactions that
 * lock two rows in opposite order. SQLite runs one writer at a time and cannot deadlock: for it,
 * the error its driver raises on a locked database.
 */
export async function realDeadlockError(
  db: Knex,
  databaseId: TestDatabaseId,
): Promise<Error> {
  if (databaseId === 'SQLITE_3') {
    return Object.assign(new Error('SQLITE_BUSY: database is locked'), {
      code: 'SQLITE_BUSY',
    });
  }
  const rows = ['dl-a', 'dl-b'].map(account => ({
    account,
    quota_day: '2000-01-01',
  }));
  await db('vod_quota_usage').insert(rows.map(row => ({ ...row, used: 0 })));
  const lock = (trx: Knex.Transaction, row: object) =>
    trx('vod_quota_usage').where(row).increment('used', 0);
  const first = await db.transaction();
  const second = await db.transaction();
  try {
    await lock(first, rows[0]);
    await lock(second, rows[1]);
    const firstWaits = lock(first, rows[1]).then(
      () => undefined,
      (error: Error) => error,
    );
    await untilLockWaits(db, 1);
    const secondWaits = lock(second, rows[0]).then(
      () => undefined,
      (error: Error) => error,
    );
    const [a, b] = await Promise.all([firstWaits, secondWaits]);
    const error = a ?? b;
    if (!error || !isDeadlock(error)) {
      throw new Error(`expected a deadlock, got ${error}`);
    }
    return error;
  } finally {
    await first.rollback();
    await second.rollback();
    await db('vod_quota_usage').where({ quota_day: '2000-01-01' }).delete();
  }
}

/**
 * The test database, whose transactions fail with `error` the first `times` times: each runs
 * its work, then meets the error before it commits (as a deadlock found at the last statement
 * would), so the work is rolled back. `attempts()` counts the transactions begun.
 */
export function deadlocking(db: Knex, error: Error, times: number) {
  let attempts = 0;
  const proxy = new Proxy(db, {
    get(target, property) {
      if (property !== 'transaction') return Reflect.get(target, property);
      return <T>(run: (trx: Knex.Transaction) => Promise<T>) => {
        attempts += 1;
        if (attempts > times) return db.transaction(run);
        return db.transaction(async trx => {
          await run(trx);
          throw error;
        });
      };
    },
  });
  return { db: proxy, attempts: () => attempts };
}
