// Launch-day drain: 1,000 asset prefetches asked for at once, an account limited to N creates a
// minute; how fast the portal takes them, how fast the queue drains, and what it asks VOD.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator } from '../lib/portal';
import {
  inParallel,
  replica,
  sleep,
  sqliteVodKnex,
  submit,
} from '../lib/replica';
import { summarize, taskCounts, untilAllEnded } from './crash';
import {
  busiestMinute,
  doublePolls,
  judged,
  printTable,
  simCalls,
  throttled,
} from './observe';
import { workload } from './workload';

const PREFETCHES = 1000;
/** N: the creates a minute, lifted so that sending all takes one minute. */
const CREATES_PER_MINUTE = 500;
const QUERIES_PER_MINUTE = 6000;
/** The backend's poll frequency: no task is asked about twice within it. */
const POLL_FREQUENCY_MS = 1000;

export async function drain(seed: number) {
  const dir = mkdtempSync(join(tmpdir(), 'vod-drain-'));
  const { bodies, assets } = workload(PREFETCHES, seed, false);
  const sim = await startSimulator({
    config: {
      createsPerMinute: CREATES_PER_MINUTE,
      queriesPerMinute: QUERIES_PER_MINUTE,
      processingMs: [5000, 10000],
      assets,
      maxRecordedCalls: 100_000,
      seed,
    },
  });
  const backend = replica({
    port: 7101,
    dir,
    sim,
    database: { client: 'better-sqlite3', connection: { directory: dir } },
    createsPerMinute: CREATES_PER_MINUTE,
    queriesPerMinute: QUERIES_PER_MINUTE,
    polling: { frequency: '1s', initialDelay: '5s', maxDelay: '10s' },
  });
  const knex = sqliteVodKnex(dir);
  try {
    await backend.start();
    const started = Date.now();
    const depth: string[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const c = await taskCounts(knex);
        depth.push(
          `${((Date.now() - started) / 1000).toFixed(0)}s:${c.pending}/${
            c.sending
          }/${c.processing}`,
        );
        await sleep(5000);
      }
    })();
    const answers = await inParallel(bodies, 50, (body, i) =>
      submit(backend.url, body, `drain-${seed}-${i}`),
    );
    const acceptedIn = (Date.now() - started) / 1000;
    const finished = await untilAllEnded(knex, 600_000);
    sampling = false;
    await sampler;
    const calls = await simCalls(sim);
    const created = calls
      .filter(c => c.route === 'create' && c.status === 202)
      .map(c => Date.parse(c.at));
    const creates = calls.filter(c => c.route === 'create').length;
    const drainS = (Math.max(...created) - started) / 1000;
    // The issue's minimum: M creates at N a minute take M/N minutes. Under a rolling-minute limit
    // the last of M creates can in fact start (ceil(M/N) - 1) minutes after the first: shown too.
    const issueMinimumS = (PREFETCHES / CREATES_PER_MINUTE) * 60;
    const rollingMinimumS =
      (Math.ceil(PREFETCHES / CREATES_PER_MINUTE) - 1) * 60;
    const queries = calls.filter(c => c.route === 'query').length;
    const twice = doublePolls(calls, POLL_FREQUENCY_MS);
    console.log(
      `\nqueue depth (seconds: queued/in flight/being polled): ${depth.join(
        ' ',
      )}`,
    );
    printTable(
      `launch-day drain (seed ${seed}, N = ${CREATES_PER_MINUTE} creates a minute)`,
      [
        [
          'all accepted by the portal, s',
          acceptedIn.toFixed(1),
          judged(
            acceptedIn <= 5,
            `goal ≤ 5; answers other than 202: ${summarize(answers)}`,
          ),
        ],
        [
          'last VOD create after the first ask, s',
          drainS.toFixed(1),
          judged(
            drainS <= 1.05 * issueMinimumS,
            `goal ≤ 1.05 × M/N = 1.05 × ${issueMinimumS} s; ${(
              drainS / rollingMinimumS
            ).toFixed(2)} × the rolling-window bound of ${rollingMinimumS} s`,
          ),
        ],
        ['all ended, s', ((finished - started) / 1000).toFixed(1), ''],
        [
          'VOD create calls',
          creates,
          judged(creates === PREFETCHES, `goal ${PREFETCHES}`),
        ],
        [
          'VOD creates in the busiest minute',
          busiestMinute(calls, 'create'),
          judged(
            busiestMinute(calls, 'create') <= CREATES_PER_MINUTE,
            `goal ≤ ${CREATES_PER_MINUTE}`,
          ),
        ],
        [
          "429s for VOD's rate limit",
          throttled(calls),
          judged(throttled(calls) === 0, 'goal 0'),
        ],
        ['status queries per task', (queries / PREFETCHES).toFixed(2), ''],
        [
          'a task queried twice within the poll frequency',
          twice,
          judged(twice === 0, 'goal 0'),
        ],
      ],
    );
  } finally {
    await backend.stop();
    await knex.destroy();
    sim.close();
  }
}
