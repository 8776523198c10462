// Crash recovery: 200 mixed prefetches, the backend killed with SIGKILL at seeded moments
// (while sending and while polling), started again each time, then left to finish.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { startSimulator } from '../lib/portal';
import {
  freshPostgres,
  inParallel,
  replica,
  sleep,
  sqliteVodKnex,
  submit,
} from '../lib/replica';
import {
  extraCreates,
  isTerminal,
  judged,
  printTable,
  quotaJudged,
  recorded,
  simTasks,
  vodUnits,
} from './observe';
import { seeded, workload } from './workload';

const PREFETCHES = 200;
const KILLS = 5;

export async function crash(database: 'sqlite' | 'postgres', seed: number) {
  const dir = mkdtempSync(join(tmpdir(), `vod-crash-${database}-`));
  const random = seeded(seed);
  const { bodies, assets } = workload(PREFETCHES, seed);
  const sim = await startSimulator({
    processingMs: 3000,
    config: {
      createsPerMinute: 120,
      queriesPerMinute: 1200,
      processingMs: [2000, 8000],
      assets,
      maxRecordedCalls: 100_000,
      seed,
    },
  });
  const pg =
    database === 'postgres' ? await freshPostgres('vod_crash') : undefined;
  const backend = replica({
    port: 7101,
    dir,
    sim,
    database: pg?.database ?? {
      client: 'better-sqlite3',
      connection: { directory: dir },
    },
    createsPerMinute: 120,
    queriesPerMinute: 1200,
    polling: { frequency: '1s', initialDelay: '1s', maxDelay: '4s' },
    timeouts: { connect: '2s', headers: '4s', body: '4s' },
  });
  let knex: Knex | undefined;
  try {
    await backend.start();
    knex = pg ? pg.vodKnex() : sqliteVodKnex(dir);
    const started = Date.now();
    const submitting = inParallel(bodies, 8, (body, i) =>
      submit(backend.url, body, `crash-${seed}-${i}`),
    );
    const kills: Array<{
      at: number;
      sending: number;
      processing: number;
      pending: number;
    }> = [];
    for (let k = 0; k < KILLS; k++) {
      await sleep(random.between(3_000, 15_000));
      const counts = await taskCounts(knex);
      await backend.kill();
      kills.push({ at: (Date.now() - started) / 1000, ...counts });
      console.log(
        `kill ${k + 1} at ${kills[k].at.toFixed(1)} s: ${
          counts.pending
        } queued, ${counts.sending} in flight, ${
          counts.processing
        } being polled`,
      );
      await backend.start();
    }
    const answers = await submitting;
    const finished = await untilAllEnded(knex, 600_000);
    const ours = await recorded(knex);
    const vod = await simTasks(sim);
    const accepted = answers.filter(a => a.status === 202).map(a => a.id!);
    const ids = new Set(ours.prefetches.map(p => p.id));
    const creates = extraCreates(ours.tasks, vod);
    const lost = accepted.filter(id => !ids.has(id)).length;
    const open = ours.prefetches.filter(p => !isTerminal(p.status)).length;
    printTable(
      `crash recovery on ${database} (seed ${seed}, ${KILLS} kills, ${(
        (finished - started) /
        1000
      ).toFixed(0)} s)`,
      [
        [
          'prefetches accepted (202)',
          accepted.length,
          `of ${PREFETCHES}; others: ${summarize(answers)}`,
        ],
        [
          'kills while calls were in flight',
          kills.filter(k => k.sending > 0).length,
          `of ${KILLS}`,
        ],
        [
          'kills while tasks were being polled',
          kills.filter(k => k.processing > 0).length,
          `of ${KILLS}`,
        ],
        ['prefetches lost', lost, judged(lost === 0, 'goal 0')],
        [
          'VOD tasks for our tasks',
          vod.length,
          `our tasks sent: ${ours.tasks.filter(t => t.taskId).length}`,
        ],
        [
          'VOD creates beyond one per task',
          creates.extra,
          judged(creates.extra <= KILLS, `goal ≤ ${KILLS} (one per kill)`),
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
        [
          'prefetches marked possibleDuplicate',
          ours.prefetches.filter(p => p.possibleDuplicate).length,
          '',
        ],
        ['prefetches not ended', open, judged(open === 0, 'goal 0')],
        ['quota spent (portal)', ours.quotaUsed, ''],
        [
          'quota spent (VOD)',
          vodUnits(vod),
          quotaJudged(ours.quotaUsed, vodUnits(vod), ours.tasks),
        ],
      ],
    );
  } finally {
    await backend.stop();
    await knex?.destroy();
    sim.close();
    await pg?.drop();
  }
}

export async function taskCounts(knex: Knex) {
  const rows: Array<{ status: string; n: unknown }> = await knex('vod_tasks')
    .groupBy('status')
    .select('status')
    .count({ n: '*' });
  const of = (status: string) =>
    Number(rows.find(r => r.status === status)?.n ?? 0);
  return {
    pending: of('pending'),
    sending: of('sending'),
    processing: of('processing'),
  };
}

/** When every prefetch had ended (epoch ms); throws after `ms`. */
export async function untilAllEnded(knex: Knex, ms: number): Promise<number> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    const open = await knex('vod_prefetches')
      .whereNotIn('status', [
        'succeeded',
        'failed',
        'partially_failed',
        'expired',
      ])
      .count({ n: '*' });
    if (Number(open[0].n) === 0) return Date.now();
    await sleep(500);
  }
  throw new Error(`prefetches still open after ${ms / 1000} s`);
}

export function summarize(answers: Array<{ status: number; error?: string }>) {
  const by = new Map<number, number>();
  for (const a of answers) by.set(a.status, (by.get(a.status) ?? 0) + 1);
  return (
    [...by]
      .filter(([s]) => s !== 202)
      .map(([s, n]) => `${n}×${s}`)
      .join(', ') || 'none'
  );
}
