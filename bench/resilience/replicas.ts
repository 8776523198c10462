// Two replicas on one PostgreSQL, both sending and polling: 1,200 prefetches against a daily
// quota of 1,000, one account rate shared between them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../lib/portal';
import { freshPostgres, inParallel, replica, submit } from '../lib/replica';
import { summarize, untilAllEnded } from './crash';
import {
  busiestMinute,
  doublePolls,
  judged,
  printTable,
  recorded,
  simCalls,
  simTasks,
  throttled,
  vodUnits,
} from './observe';
import { workload } from './workload';

const PREFETCHES = 1200;
const QUOTA = 1000;
const CREATES_PER_MINUTE = 300;
const QUERIES_PER_MINUTE = 1200;

export async function replicas(seed: number) {
  const dir = mkdtempSync(join(tmpdir(), 'vod-replicas-'));
  const { bodies, assets } = workload(PREFETCHES, seed, false);
  const sim = await startSimulator({
    config: {
      createsPerMinute: CREATES_PER_MINUTE,
      queriesPerMinute: QUERIES_PER_MINUTE,
      processingMs: [2000, 6000],
      assets,
      maxRecordedCalls: 100_000,
      seed,
    },
  });
  const pg = await freshPostgres('vod_replicas');
  const [a, b] = [7101, 7102].map(port =>
    replica({
      port,
      dir,
      sim,
      database: pg.database,
      dailyQuota: QUOTA,
      createsPerMinute: CREATES_PER_MINUTE,
      queriesPerMinute: QUERIES_PER_MINUTE,
      polling: { frequency: '1s', initialDelay: '2s', maxDelay: '8s' },
    }),
  );
  const knex = pg.vodKnex();
  try {
    await a.start();
    await b.start();
    const started = Date.now();
    const answers = await inParallel(bodies, 20, (body, i) =>
      submit(i % 2 ? b.url : a.url, body, `replicas-${seed}-${i}`),
    );
    const finished = await untilAllEnded(knex, 600_000);
    const calls = await simCalls(sim);
    const ours = await recorded(knex);
    const vod = await simTasks(sim);
    const accepted = answers.filter(x => x.status === 202).length;
    const errors = answers.filter(x => x.status >= 500).length;
    const creates = busiestMinute(calls, 'create');
    const queries = busiestMinute(calls, 'query');
    const twice = doublePolls(calls, 1000);
    printTable(
      `two replicas on one PostgreSQL (seed ${seed}, ${(
        (finished - started) /
        1000
      ).toFixed(0)} s)`,
      [
        [
          'prefetches accepted',
          accepted,
          judged(
            accepted === QUOTA,
            `goal exactly ${QUOTA}; others: ${summarize(answers)}`,
          ),
        ],
        [
          '5xx answers (deadlock, unique constraint, …)',
          errors,
          judged(errors === 0, 'goal 0'),
        ],
        [
          'quota spent (portal)',
          ours.quotaUsed,
          judged(ours.quotaUsed === QUOTA, `goal ${QUOTA}`),
        ],
        [
          'quota spent (VOD)',
          vodUnits(vod),
          judged(vodUnits(vod) === QUOTA, `goal ${QUOTA}`),
        ],
        [
          'VOD creates in the busiest minute',
          creates,
          judged(
            creates <= CREATES_PER_MINUTE,
            `goal ≤ ${CREATES_PER_MINUTE} (the account's rate)`,
          ),
        ],
        [
          'VOD queries in the busiest minute',
          queries,
          judged(queries <= QUERIES_PER_MINUTE, `goal ≤ ${QUERIES_PER_MINUTE}`),
        ],
        [
          "429s for VOD's rate limit",
          throttled(calls),
          judged(throttled(calls) === 0, 'goal 0'),
        ],
        [
          'a task polled twice within 1 s',
          twice,
          judged(twice === 0, 'goal 0 (one replica per round)'),
        ],
      ],
    );
  } finally {
    await Promise.all([a.stop(), b.stop()]);
    await knex.destroy();
    sim.close();
    await pg.drop();
  }
}
