// VOD faults: 5xx, 429, timeouts and connection resets, each on about 15 % of the calls (seeded);
// every prefetch must end as VOD's own records say, with every retry inside the account's rate.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../lib/portal';
import { inParallel, replica, sqliteVodKnex, submit } from '../lib/replica';
import { summarize, untilAllEnded } from './crash';
import {
  busiestMinute,
  extraCreates,
  keyOf,
  quotaJudged,
  vodUnits,
  judged,
  printTable,
  recorded,
  SimTask,
  simCalls,
  simTasks,
} from './observe';
import { workload } from './workload';

const PREFETCHES = 200;
const CREATES_PER_MINUTE = 300;
const QUERIES_PER_MINUTE = 1200;

export async function faults(seed: number) {
  const dir = mkdtempSync(join(tmpdir(), 'vod-faults-'));
  const { bodies, assets } = workload(PREFETCHES, seed);
  const sim = await startSimulator({
    config: {
      createsPerMinute: CREATES_PER_MINUTE,
      queriesPerMinute: QUERIES_PER_MINUTE,
      processingMs: [2000, 6000],
      failingUrlPatterns: ['/3.m3u8'],
      assets,
      maxRecordedCalls: 100_000,
      seed,
      faults: {
        rate5xx: 0.15,
        rate429: 0.15,
        resetRate: 0.15,
        timeoutRate: 0.15,
        timeoutMs: 5000,
        routes: ['create', 'query'],
      },
    },
  });
  const backend = replica({
    port: 7101,
    dir,
    sim,
    database: { client: 'better-sqlite3', connection: { directory: dir } },
    createsPerMinute: CREATES_PER_MINUTE,
    queriesPerMinute: QUERIES_PER_MINUTE,
    polling: { frequency: '1s', initialDelay: '2s', maxDelay: '8s' },
    timeouts: { connect: '2s', headers: '3s', body: '3s' },
  });
  const knex = sqliteVodKnex(dir);
  try {
    await backend.start();
    const started = Date.now();
    const answers = await inParallel(bodies, 8, (body, i) =>
      submit(backend.url, body, `faults-${seed}-${i}`),
    );
    const finished = await untilAllEnded(knex, 900_000);
    const calls = await simCalls(sim);
    const ours = await recorded(knex);
    const vod = await simTasks(sim);
    const byId = new Map(vod.map(t => [t.taskId, t]));
    const sent = ours.tasks.filter(t => t.taskId);
    const wrong = sent.filter(t => t.status !== vodStatus(byId.get(t.taskId!)));
    const unsent = ours.tasks.filter(t => !t.taskId);
    // Sent twice without an answer, a task ends failed (never a third send: at most once, and
    // VOD finds a task only by its id); VOD may hold it all the same.
    const vodKeys = new Set(vod.map(keyOf));
    const heldByVod = unsent.filter(t => vodKeys.has(t.key)).length;
    const creates = extraCreates(ours.tasks, vod);
    const faulted = calls.filter(c => c.fault).length;
    const busiest = busiestMinute(calls, 'create');
    const busiestQueries = busiestMinute(calls, 'query');
    printTable(
      `VOD faults (seed ${seed}, ${faulted} of ${
        calls.length
      } calls faulted, ${((finished - started) / 1000).toFixed(0)} s)`,
      [
        [
          'prefetches accepted',
          answers.filter(a => a.status === 202).length,
          `of ${PREFETCHES}; others: ${summarize(answers)}`,
        ],
        [
          'prefetches ended',
          ours.prefetches.length,
          `by status: ${countBy(ours.prefetches.map(p => p.status))}`,
        ],
        [
          "sent tasks whose end differs from VOD's",
          wrong.length,
          judged(wrong.length === 0, 'goal 0'),
        ],
        [
          'tasks with no VOD answer to keep',
          unsent.length,
          `by status: ${countBy(
            unsent.map(t => t.status),
          )}; VOD holds ${heldByVod} of them`,
        ],
        [
          'VOD creates beyond one per task',
          creates.extra,
          'after timeouts and resets (each a possible duplicate)',
        ],
        [
          '… of them not marked possibleDuplicate',
          creates.unmarked,
          judged(creates.unmarked === 0, 'goal 0'),
        ],
        [
          'our task ids VOD does not know',
          creates.missing,
          judged(creates.missing === 0, 'goal 0'),
        ],
        ['quota spent (portal)', ours.quotaUsed, ''],
        [
          'quota spent (VOD)',
          vodUnits(vod),
          quotaJudged(ours.quotaUsed, vodUnits(vod), ours.tasks),
        ],
        [
          'calls that reached VOD in the busiest minute (creates)',
          busiest,
          judged(busiest <= CREATES_PER_MINUTE, `goal ≤ ${CREATES_PER_MINUTE}`),
        ],
        [
          '… (queries)',
          busiestQueries,
          judged(
            busiestQueries <= QUERIES_PER_MINUTE,
            `goal ≤ ${QUERIES_PER_MINUTE}`,
          ),
        ],
      ],
    );
  } finally {
    await backend.stop();
    await knex.destroy();
    sim.close();
  }
}

/** A task's end as VOD's records have it. */
function vodStatus(task?: SimTask): string {
  if (!task) return 'unknown to VOD';
  const failed = task.urls.filter(u => u.fails).length;
  if (failed === 0) return 'succeeded';
  return failed === task.urls.length ? 'failed' : 'partially_failed';
}

function countBy(values: string[]): string {
  const by = new Map<string, number>();
  for (const v of values) by.set(v, (by.get(v) ?? 0) + 1);
  return [...by].map(([v, n]) => `${n} ${v}`).join(', ') || 'none';
}
