// `yarn bench:footprint`: what the vod plugins cost a portal. (1) The demo backend started
// without and with them (built, as a portal installs them), in alternating turns: time to ready and resident memory once settled.
// (2) With them, on a database holding 100,000 recorded prefetches: memory through reads of the
// API and polling compressed 60 times (open tasks polled every second instead of every minute):
// after a minute of it, sampled every 10 s for a minute (an hour of polling): it should stay
// flat.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AK,
  ASSET,
  benchAccount,
  filledSqlite,
  PROJECT,
  ROOT,
  SK,
  startSimulator,
} from '../lib/portal';
import { inParallel, sleep, TOKEN } from '../lib/replica';
import { median } from '../lib/stats';
import { buildVodPackages } from './builtPackages';

const PORT = 7101;
const URL = `http://127.0.0.1:${PORT}`;
const ROUNDS = Number(process.env.FOOTPRINT_ROUNDS ?? 3);
const OPEN_TASKS = 500;

interface Started {
  child: ChildProcess;
  readyMs: number;
}

/** Starts bench/footprint/backend.ts (node itself, so its RSS is the backend's). */
async function start(
  vod: boolean,
  database: object,
  simUrl: string,
  polling: object = {},
): Promise<Started> {
  // Whatever answers on the port must be the backend started here, never one left behind.
  if (await answers(`${URL}/.backstage/health/v1/readiness`)) {
    throw new Error(`something answers on port ${PORT} already; stop it first`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'vod-footprint-'));
  const config = join(dir, 'app-config.json');
  writeFileSync(
    config,
    JSON.stringify({
      backend: {
        baseUrl: URL,
        listen: { port: PORT },
        database,
        auth: {
          externalAccess: [
            { type: 'static', options: { token: TOKEN, subject: 'footprint' } },
          ],
        },
      },
      vod: {
        accounts: [benchAccount(simUrl)],
        polling,
      },
    }),
  );
  const began = Date.now();
  const log = openSync(join(dir, 'backend.log'), 'w');
  const child = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      join(ROOT, 'bench/footprint/backend.ts'),
      '--config',
      join(ROOT, 'app-config.yaml'),
      '--config',
      config,
    ],
    {
      cwd: join(ROOT, 'packages/backend'),
      stdio: ['ignore', log, log],
      env: {
        ...process.env,
        FOOTPRINT_VOD: vod ? '1' : '0',
        VOD_ENDPOINT: simUrl,
        VOD_PROJECT_ID: PROJECT,
        VOD_ACCESS_KEY_ID: AK,
        VOD_SECRET_ACCESS_KEY: SK,
        LOG_LEVEL: 'warn',
      },
    },
  );
  for (const end = Date.now() + 180_000; Date.now() < end; ) {
    try {
      const res = await fetch(`${URL}/.backstage/health/v1/readiness`);
      if (res.ok) return { child, readyMs: Date.now() - began };
    } catch {
      // not yet
    }
    if (child.exitCode !== null) throw new Error(`backend exited; ${dir}`);
    await sleep(50);
  }
  throw new Error(`backend not ready; ${dir}`);
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url);
    return true;
  } catch {
    return false;
  }
}

async function stop({ child }: Started) {
  if (child.exitCode !== null || child.signalCode !== null) {
    throw new Error(`the backend had exited already (${child.exitCode})`);
  }
  const exited = new Promise(resolve => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Resident memory of a process, MB. */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

const sqlite = () => ({
  client: 'better-sqlite3',
  connection: { directory: mkdtempSync(join(tmpdir(), 'vod-footprint-db-')) },
});

async function startupCost(simUrl: string) {
  const runs: Record<'without' | 'with', { ready: number[]; rss: number[] }> = {
    without: { ready: [], rss: [] },
    with: { ready: [], rss: [] },
  };
  // Each variant on a database of its own, kept: the first start of each (it creates the tables)
  // is a warm-up, the others are restarts, as a portal mostly starts.
  const databases = { without: sqlite(), with: sqlite() };
  for (let round = 0; round <= ROUNDS; round++) {
    for (const vod of round % 2 ? [true, false] : [false, true]) {
      const variant = vod ? 'with' : 'without';
      const started = await start(vod, databases[variant], simUrl);
      await sleep(10_000); // settled: catalog ingested, first scheduled runs done
      if (round > 0) {
        runs[variant].ready.push(started.readyMs);
        runs[variant].rss.push(rssMb(started.child.pid!));
      }
      await stop(started);
    }
  }
  const [w, o] = [runs.with, runs.without];
  const extraMs = median(w.ready) - median(o.ready);
  const extraMb = median(w.rss) - median(o.rss);
  console.log(`\n(1) start-up, median of ${ROUNDS} alternating turns each`);
  console.log(
    `  without vod: ready ${median(o.ready)} ms, RSS ${median(o.rss).toFixed(
      1,
    )} MB`,
  );
  console.log(
    `  with vod:    ready ${median(w.ready)} ms, RSS ${median(w.rss).toFixed(
      1,
    )} MB`,
  );
  console.log(
    `  vod adds: ${extraMs} ms (goal ≤ 300 ${
      extraMs <= 300 ? 'MET' : 'MISSED'
    }), ${extraMb.toFixed(1)} MB (goal ≤ 30 ${
      extraMb <= 30 ? 'MET' : 'MISSED'
    })`,
  );
}

async function steadyState(simUrl: string) {
  const database = await filledSqlite(['succeeded', 'failed']);
  // An hour of polling in a minute: tasks polled every second, as they would be every minute.
  const started = await start(true, database, simUrl, {
    frequency: '1s',
    initialDelay: '1s',
    maxDelay: '1s',
    expireAfter: '2h',
  });
  const pid = started.child.pid!;
  const headers = {
    Authorization: `Bearer ${TOKEN}`,
    'Content-Type': 'application/json',
  };
  await sleep(10_000);
  const samples: Array<[string, number]> = [
    ['after start, 100,000 recorded', rssMb(pid)],
  ];
  await inParallel(Array.from({ length: OPEN_TASKS }), 10, () =>
    fetch(`${URL}/api/vod/prefetches`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ assetId: ASSET }),
    }).then(r => r.text()),
  );
  samples.push([`after ${OPEN_TASKS} creates (tasks left open)`, rssMb(pid)]);
  let reads = 0;
  let reading = true;
  const reader = (async () => {
    while (reading) {
      await fetch(`${URL}/api/vod/prefetches?limit=50`, { headers }).then(r =>
        r.text(),
      );
      reads++;
    }
  })();
  // The heap grows to what this load needs in its first minute; a leak goes on growing.
  await sleep(60_000);
  samples.push([`after 60 s of load (${reads} reads)`, rssMb(pid)]);
  for (let s = 10; s <= 60; s += 10) {
    await sleep(10_000);
    samples.push([`then ${s} s more (${reads} reads so far)`, rssMb(pid)]);
  }
  reading = false;
  await reader;
  const calls = (await (await fetch(`${simUrl}/admin/calls`)).json()).calls;
  const queries = calls.filter(
    (c: { route: string }) => c.route === 'query',
  ).length;
  await stop(started);
  console.log(
    `\n(2) memory with 100,000 recorded prefetches, ${OPEN_TASKS} open tasks polled every second`,
  );
  for (const [what, mb] of samples)
    console.log(`  ${what.padEnd(40)} ${mb.toFixed(1)} MB`);
  const steady = samples.slice(2).map(([, mb]) => mb);
  const growth = steady[steady.length - 1] - steady[0];
  console.log(
    `  ${queries} VOD queries and ${reads} API reads in the minute; RSS change over the last 60 s: ${growth.toFixed(
      1,
    )} MB (goal flat: within ±10 MB ${
      Math.abs(growth) <= 10 ? 'MET' : 'MISSED'
    })`,
  );
}

async function main() {
  buildVodPackages();
  const sim = await startSimulator({
    config: { processingMs: 3_600_000, maxRecordedCalls: 1_000_000 },
  });
  try {
    await startupCost(sim.url);
    await steadyState(sim.url);
  } finally {
    sim.close();
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
