// Recording prefetches: creates that arrive together by group commit, with idempotent replays.
import {
  isDatabaseConflictError,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { ConflictError } from '@backstage/errors';
import type { Knex } from 'knex';
import { quotaUsedIn, reserveQuota } from '../quota/quotaSql';
import { withDeadlockRetries } from './deadlocks';
import { GroupCommit } from './GroupCommit';
import { readPrefetch } from './prefetchReads';
import { prefetchRow, Row, taskRows, unitsOf, writtenPrefetch } from './rows';
import type { StoreContext } from './storeContext';
import type { CreatePrefetchResult, NewPrefetch } from './VodStore';

/** Most creates written in one transaction. */
const MAX_BATCH = 100;

/**
 * The store's createPrefetch. Creates that arrive together are written in one transaction: one
 * SELECT of their idempotency keys, one quota UPDATE per account and day and one INSERT per table
 * for all of them, instead of six statements each (group commit). Each still gets its own
 * outcome; a batch that fails (a concurrent request with the same key committed first, say) is
 * retried one by one, so one bad prefetch fails alone. `written` is told of every outcome once
 * it is committed.
 */
export function prefetchWriter(
  ctx: StoreContext,
  options: {
    written: (results: CreatePrefetchResult[]) => void;
    logger?: LoggerService;
  },
): (input: NewPrefetch) => Promise<CreatePrefetchResult> {
  const createOne = async (
    input: NewPrefetch,
  ): Promise<CreatePrefetchResult> => {
    let result: CreatePrefetchResult;
    try {
      result = await withDeadlockRetries(() =>
        ctx.db.transaction(trx => insertPrefetch(trx, input)),
      );
    } catch (error) {
      // A concurrent request with the same Idempotency-Key won: answer as it did.
      if (input.idempotency && isDatabaseConflictError(error)) {
        const replayed = await ctx.db.transaction(trx => replay(trx, input));
        if (replayed) return replayed;
      }
      throw error;
    }
    options.written([result]);
    return result;
  };
  // A create whose batch failed: its batch may in fact have committed (the connection
  // dropped during COMMIT). Found recorded under its own id by the same caller at the same
  // moment, it is answered as created, and told once; only otherwise is it written alone. (Asked
  // first: written again, it could be refused as over quota by its own committed batch.)
  const recoverOrCreate = async (
    input: NewPrefetch,
  ): Promise<CreatePrefetchResult> => {
    const prefetch = await readPrefetch(ctx.db, input.id);
    if (!prefetch) return createOne(input);
    if (
      prefetch.createdBy !== input.createdBy ||
      Date.parse(prefetch.createdAt) !== input.now
    ) {
      throw new ConflictError(`prefetch ${input.id} exists already`);
    }
    const result: CreatePrefetchResult = { kind: 'created', prefetch };
    options.written([result]);
    return result;
  };
  const writeBatch = (inputs: NewPrefetch[]) =>
    withDeadlockRetries(() =>
      ctx.db.transaction(trx => insertBatch(trx, inputs)),
    );
  const groupCommit = new GroupCommit<NewPrefetch, CreatePrefetchResult>({
    // A key that a concurrent request (another replica) recorded after this batch looked: the
    // batch is written once more, that create now replaying, not one by one.
    writeBatch: inputs =>
      writeBatch(inputs).catch(error => {
        if (
          isDatabaseConflictError(error) &&
          inputs.some(input => input.idempotency)
        ) {
          return writeBatch(inputs);
        }
        throw error;
      }),
    writeOne: recoverOrCreate,
    written: options.written,
    maxBatch: MAX_BATCH,
    logger: options.logger,
  });
  return input => groupCommit.write(input);
}

/**
 * Several creates in one transaction; the results are in the inputs' order. A create whose key
 * is recorded already, or repeats a key earlier in the batch, is written after the others, one
 * by one in the same transaction, so it replays (or is refused) as if it had come alone. (Such
 * a create that does create, its key having expired, takes its quota after the batch's others.)
 */
async function insertBatch(
  trx: Knex.Transaction,
  inputs: NewPrefetch[],
): Promise<CreatePrefetchResult[]> {
  const recorded = await recordedKeys(trx, inputs);
  const together: number[] = [];
  const after: number[] = [];
  const seen = new Set<string>();
  inputs.forEach((input, i) => {
    const key = keyOf(input);
    if (key && (recorded.has(key) || seen.has(key))) {
      after.push(i);
    } else {
      if (key) seen.add(key);
      together.push(i);
    }
  });
  const results = await insertTogether(
    trx,
    together.map(i => inputs[i]),
  );
  const ordered: CreatePrefetchResult[] = [];
  together.forEach((i, j) => (ordered[i] = results[j]));
  for (const i of after) ordered[i] = await insertPrefetch(trx, inputs[i]);
  return ordered;
}

/** Creates with no recorded key: one quota UPDATE per account and day, one INSERT per table. */
async function insertTogether(
  trx: Knex.Transaction,
  inputs: NewPrefetch[],
): Promise<CreatePrefetchResult[]> {
  const results: CreatePrefetchResult[] = [];
  const accepted: NewPrefetch[] = [];
  const byQuota = new Map<string, number[]>();
  inputs.forEach((input, i) => {
    const key = `${input.account}\n${input.quotaDay}`;
    const indexes = byQuota.get(key) ?? [];
    indexes.push(i);
    byQuota.set(key, indexes);
  });
  for (const indexes of byQuota.values()) {
    const group = indexes.map(i => inputs[i]);
    const total = group.reduce((sum, input) => sum + unitsOf(input), 0);
    const limit = Math.min(...group.map(input => input.quotaLimit));
    // All of them fit: one UPDATE. Otherwise each in turn, as if they had come one by one.
    const allFit = await reserveQuota(trx, group[0], limit, total);
    for (const i of indexes) {
      const input = inputs[i];
      if (
        allFit ||
        (await reserveQuota(trx, input, input.quotaLimit, unitsOf(input)))
      ) {
        results[i] = { kind: 'created', prefetch: writtenPrefetch(input) };
        accepted.push(input);
      } else {
        results[i] = await overQuota(trx, input);
      }
    }
  }
  await insertChunked(trx, 'vod_prefetches', accepted.map(prefetchRow));
  await insertChunked(
    trx,
    'vod_tasks',
    accepted.flatMap(input => taskRows(input)),
  );
  await insertChunked(trx, 'vod_idempotency_keys', accepted.flatMap(keyRows));
  return results;
}

const sameKey = (createdBy: string, key: string) =>
  `${createdBy.toLowerCase()}\n${key}`;

/**
 * A create's caller and idempotency key as one string, when it has a key. The caller is lower
 * case, as MySQL compares it: a near match only sends a create the one-by-one way.
 */
function keyOf(input: NewPrefetch): string | undefined {
  return input.idempotency && sameKey(input.createdBy, input.idempotency.key);
}

/** Which of the inputs' keys are recorded (live or expired), in one SELECT by primary key. */
async function recordedKeys(
  trx: Knex.Transaction,
  inputs: NewPrefetch[],
): Promise<Set<string>> {
  const pairs = inputs.flatMap(input =>
    input.idempotency ? [[input.createdBy, input.idempotency.key]] : [],
  );
  if (pairs.length === 0) return new Set();
  const rows = await trx('vod_idempotency_keys')
    .select('created_by', 'idempotency_key')
    .whereIn(['created_by', 'idempotency_key'], pairs);
  return new Set(
    rows.map((row: { created_by: string; idempotency_key: string }) =>
      sameKey(row.created_by, row.idempotency_key),
    ),
  );
}

function keyRows(input: NewPrefetch): Row[] {
  return input.idempotency
    ? [
        {
          created_by: input.createdBy,
          idempotency_key: input.idempotency.key,
          request_hash: input.idempotency.requestHash,
          prefetch_id: input.id,
          created_at: input.now,
          expires_at: input.idempotency.expiresAt,
        },
      ]
    : [];
}

async function insertPrefetch(
  trx: Knex.Transaction,
  input: NewPrefetch,
): Promise<CreatePrefetchResult> {
  const replayed = input.idempotency && (await replay(trx, input));
  if (replayed) return replayed;

  if (!(await reserveQuota(trx, input, input.quotaLimit, unitsOf(input)))) {
    return overQuota(trx, input);
  }
  await trx('vod_prefetches').insert(prefetchRow(input));
  await trx('vod_tasks').insert(taskRows(input));
  await insertChunked(trx, 'vod_idempotency_keys', keyRows(input));
  return { kind: 'created', prefetch: writtenPrefetch(input) };
}

/** A create refused for its quota day, with what that day has used. */
async function overQuota(
  trx: Knex.Transaction,
  input: NewPrefetch,
): Promise<CreatePrefetchResult> {
  // MySQL's plain read sees the snapshot of the transaction's first read, from before the
  // creates of other replicas that may have filled the day since; a locking read sees them
  // (the refused UPDATE holds the row's lock already, so it waits for nothing).
  const locking = String(trx.client.config.client).includes('mysql');
  return {
    kind: 'over-quota',
    used: await quotaUsedIn(trx, input.account, input.quotaDay, { locking }),
  };
}

/** The prefetch a live idempotency key names; an expired key is deleted and counts as unused. */
async function replay(
  trx: Knex.Transaction,
  input: NewPrefetch,
): Promise<CreatePrefetchResult | undefined> {
  const where = {
    created_by: input.createdBy,
    idempotency_key: input.idempotency!.key,
  };
  const key = await trx('vod_idempotency_keys').where(where).first();
  if (!key) return undefined;
  if (Number(key.expires_at) <= input.now) {
    await trx('vod_idempotency_keys').where(where).delete();
    return undefined;
  }
  if (key.request_hash !== input.idempotency!.requestHash) {
    return { kind: 'key-conflict' };
  }
  const prefetch = await readPrefetch(trx, key.prefetch_id);
  return { kind: 'replayed', prefetch: prefetch! };
}

/** Multi-row inserts of at most 500 rows, well below every database's bound-parameter limit. */
async function insertChunked(
  trx: Knex.Transaction,
  table: string,
  rows: Row[],
) {
  for (let i = 0; i < rows.length; i += 500) {
    await trx(table).insert(rows.slice(i, i + 500));
  }
}
