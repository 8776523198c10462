// Shared set-up of the DatabaseVodStore tests: a store on each test database, prefetches, claims.
import {
  mockServices,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import type { Knex } from 'knex';
import { DatabaseVodStore } from '../DatabaseVodStore';
import type { Claim, NewPrefetch } from '../VodStore';
import { ASSET } from '../../__testUtils__/vodAccount';

/**
 * The store under test and its database, set by describeStore before the tests of each database
 * (ES module bindings are live: importers always see the current ones).
 */
export let store: DatabaseVodStore;
export let knex: Knex;

/**
 * Runs `tests` once per test database (as "DatabaseVodStore on <database>"), with `store` and
 * `knex` on a fresh, migrated database, its tables emptied before each test.
 */
export function describeStore(tests: (databaseId: TestDatabaseId) => void) {
  jest.setTimeout(60_000);
  const databases = TestDatabases.create({
    ids: ['SQLITE_3', 'POSTGRES_15', 'MYSQL_8'],
  });
  describe.each(databases.eachSupportedId())(
    'DatabaseVodStore on %s',
    databaseId => {
      beforeAll(async () => {
        knex = await databases.init(databaseId);
        store = await DatabaseVodStore.create({
          database: mockServices.database({ knex }),
        });
      });
      beforeEach(() => emptyTables(knex));
      tests(databaseId);
    },
  );
}

/** Deletes every row of the store's tables, children first. */
export async function emptyTables(db: Knex) {
  for (const table of [
    'vod_idempotency_keys',
    'vod_task_results',
    'vod_tasks',
    'vod_prefetches',
    'vod_quota_usage',
    'vod_call_slots',
  ]) {
    await db(table).delete();
  }
}

export { ASSET };
export const T0 = Date.parse('2026-11-25T10:00:00Z');
let counter = 0;

export function newPrefetch(overrides: Partial<NewPrefetch> = {}): NewPrefetch {
  counter += 1;
  return {
    id: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    account: 'main',
    projectId: 'p1',
    assetId: ASSET,
    createdBy: 'user:default/guest',
    now: T0 + counter,
    quotaDay: '2026-11-25',
    quotaLimit: 1000,
    tasks: [{ units: 1 }],
    ...overrides,
  };
}

/** Claims a task as a dispatcher would, for the day 2026-11-25 unless told otherwise. */
export const claim = (
  rowId: number,
  token = 'token-1',
  at = T0,
  overrides: Partial<Claim> = {},
) =>
  store.claimTask(rowId, {
    token,
    now: at,
    leaseUntil: at + 1000,
    quotaDay: '2026-11-25',
    quotaLimit: 1000,
    ...overrides,
  });
/** The oldest task that may be sent at `at` (by default: whenever). */
export const firstPending = async (account = 'main', at = T0 + 1e9) =>
  (await store.pendingTasks(account, 1, 0, at))[0];
export const taskRow = (rowId: number) =>
  knex('vod_tasks').where({ id: rowId }).first();
