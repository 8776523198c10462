// bench/api: the vod routes against stock Backstage routes, in one run against one backend (the
// demo backend, dev mode, SQLite), at 1 and 50 connections. Then GET /prefetches with 100k rows on
// SQLite and PostgreSQL. Run: ./dev run yarn bench:api   (takes about 8 minutes)
import { signRequest } from '@mediaops/backstage-plugin-vod-backend/alpha';
import { Agent, request } from 'undici';
import {
  concurrently,
  failures,
  load,
  LoadRequest,
  LoadResult,
} from '../lib/load';
import { printTable } from '../lib/measure';
import {
  AK,
  BACKEND,
  filledPostgres,
  filledSqlite,
  goal,
  guestHeaders,
  outboxDrained,
  PROJECT,
  Simulator,
  SK,
  startBackend,
  startSimulator,
  stopBackend,
} from '../lib/portal';
import { ByCase, inTurns, Run, Turns } from '../lib/turns';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10) * 1000;
const ROUNDS = 5;
const CONNECTIONS = [1, 50];

async function main() {
  const sim = await startSimulator();
  try {
    const backend = await startBackend(sim, {
      backend: {
        database: { client: 'better-sqlite3', connection: ':memory:' },
      },
    });
    try {
      const auth = await guestHeaders();
      const requests = requestCases(auth);
      // Warm every route first (JIT, lazily loaded modules), so no case pays for going first.
      for (const [, request] of requests) {
        await load(BACKEND, request, { connections: 50, durationMs: 2000 });
        await outboxDrained(auth);
      }
      const turns = await inTurns(
        [
          ...requests.map(loadTurns),
          ['(f) signed call to the simulator', directSignedCalls(sim)],
        ],
        {
          connections: CONNECTIONS,
          rounds: ROUNDS,
          durationMs: DURATION / ROUNDS,
          // The dispatcher sends what a turn recorded while it runs; what is left is sent
          // before the next turn starts, so no case is measured under another's backlog.
          afterTurn: () => outboxDrained(auth),
        },
      );
      printTable(routeRows(turns));
      routeGoals(turns.medians);
    } finally {
      await stopBackend(backend);
    }
    await measureLists(sim);
  } finally {
    sim.close();
  }
}

/** (a)–(e): the requests sent to the backend, by case name. */
function requestCases(
  auth: Record<string, string>,
): Array<[string, LoadRequest]> {
  let n = 0;
  const request = (path: string, expect: number, body?: LoadRequest['body']) =>
    ({
      method: body ? 'POST' : 'GET',
      path,
      headers: auth,
      body,
      expect,
    } as const);
  return [
    ['(a) GET /api/auth/v1/userinfo', request('/api/auth/v1/userinfo', 200)],
    [
      '(b) GET /api/catalog/entities?limit=1',
      request('/api/catalog/entities?limit=1', 200),
    ],
    [
      '(c) POST /api/vod/prefetches {entityRef}',
      request(
        '/api/vod/prefetches',
        202,
        JSON.stringify({
          entityRef: 'resource:default/winter-launch-trailer-2026',
        }),
      ),
    ],
    [
      '(d) POST /api/vod/prefetches {urls}',
      request('/api/vod/prefetches', 202, () =>
        JSON.stringify({ urls: [`https://cdn.example.com/asset/${n++}.mp4`] }),
      ),
    ],
    [
      '(e) POST seed /v1.0/{project}/asset/preheating',
      // A new body each time: identical seed calls within the retry window are one prefetch.
      request(`/api/vod/v1.0/${PROJECT}/asset/preheating`, 202, () =>
        JSON.stringify({
          urls: [`https://cdn.example.com/asset/seed-${n++}.mp4`],
        }),
      ),
    ],
  ];
}

/** A case's turns: its request sent by `load`, each turn after 300 ms of warm-up. */
function loadTurns([name, request]: [string, LoadRequest]): [string, Run] {
  return [
    name,
    (connections, durationMs) =>
      load(BACKEND, request, { connections, durationMs, warmupMs: 300 }),
  ];
}

/**
 * (f): the signed create the dispatcher sends, signed by the same signer and sent with undici over
 * kept-alive connections, straight to VOD: the VOD call's own cost, so (e) minus (a) and (f) is
 * what the portal adds (its VOD client included).
 */
function directSignedCalls(sim: Simulator): Run {
  return async (connections, durationMs) => {
    const origin = new URL(sim.url);
    const path = `/v1.0/${PROJECT}/asset/preheating`;
    const agent = new Agent({ connections });
    try {
      return await concurrently(connections, durationMs, async () => {
        const body = JSON.stringify({
          urls: ['https://cdn.example.com/asset/direct.mp4'],
        });
        const headers = signRequest(
          {
            method: 'POST',
            host: origin.host,
            path,
            headers: {
              'Content-Type': 'application/json',
              'X-Project-Id': PROJECT,
            },
            body,
          },
          { accessKeyId: AK, secretAccessKey: SK },
          new Date(),
        );
        const res = await request(`${sim.url}${path}`, {
          method: 'POST',
          headers,
          body,
          dispatcher: agent,
        });
        await res.body.dump();
        return res.statusCode === 202 ? undefined : res.statusCode;
      });
    } finally {
      await agent.close();
    }
  };
}

/** The table of the route cases: a row per case and number of connections. */
function routeRows({ medians, afterTurn }: Turns) {
  const a = caseOf(medians, 'a');
  return Object.entries(medians).flatMap(([name, byConnections]) =>
    CONNECTIONS.map(connections => {
      const r = byConnections[connections];
      return {
        case: name,
        conns: connections,
        'req/s': Math.round(r.reqPerSec),
        'p50 ms': r.p50.toFixed(1),
        'p99 ms': r.p99.toFixed(1),
        'req/s vs (a)': (r.reqPerSec / a[connections].reqPerSec).toFixed(2),
        'outbox left, s': name.startsWith('(f)')
          ? ''
          : afterTurn[name][connections].toFixed(1),
        errors: failures(r),
      };
    }),
  );
}

function routeGoals(medians: ByCase<LoadResult>) {
  const [a, b, c, d, e, f] = ['a', 'b', 'c', 'd', 'e', 'f'].map(id =>
    caseOf(medians, id),
  );
  console.log('\ngoals:');
  goal(
    '(c) req/s >= 1.0x (b) at 50 connections',
    c[50].reqPerSec / b[50].reqPerSec,
    1,
    '>=',
  );
  goal(
    '(c) req/s >= 1.0x (b) at 1 connection',
    c[1].reqPerSec / b[1].reqPerSec,
    1,
    '>=',
  );
  goal(
    '(c) p50 <= (b) p50 + 3 ms at 1 connection (ms over)',
    c[1].p50 - b[1].p50,
    3,
    '<=',
  );
  goal(
    '(d) req/s >= 0.5x (a) at 50 connections',
    d[50].reqPerSec / a[50].reqPerSec,
    0.5,
    '>=',
  );
  goal(
    '(e) p50 <= (a) + (f) + 3 ms at 1 connection (ms over a+f)',
    e[1].p50 - a[1].p50 - f[1].p50,
    3,
    '<=',
  );
  for (const [name, r] of Object.entries(medians)) {
    for (const conns of CONNECTIONS) {
      const bad = { ...r[conns].unexpected };
      if (Object.keys(bad).length || r[conns].errors) {
        console.log(
          `note: ${name} at ${conns}: unexpected statuses ${JSON.stringify(
            bad,
          )}, errors ${r[conns].errors}`,
        );
      }
    }
  }
}

/** The figures of the case named `(id) …`. */
function caseOf(medians: ByCase<LoadResult>, id: string) {
  return Object.entries(medians).find(([name]) =>
    name.startsWith(`(${id}) `),
  )![1];
}

/** GET /prefetches with 100,000 rows, on SQLite and on PostgreSQL, each on a backend of its own. */
async function measureLists(sim: Simulator) {
  console.log(
    '\nGET /api/vod/prefetches with 100,000 recorded prefetches (1 connection, each query for BENCH_SECONDS):',
  );
  const rows: Array<Record<string, string | number>> = [];
  for (const [database, filled] of [
    ['SQLite', () => filledSqlite()],
    ['PostgreSQL', filledPostgres],
  ] as const) {
    const backend = await startBackend(sim, {
      backend: { database: await filled() },
    });
    try {
      rows.push(...(await measureList(database)));
    } finally {
      await stopBackend(backend);
    }
  }
  printTable(rows);
  const worst = Math.max(...rows.map(r => Number(r['p95 ms'])));
  goal(
    'GET /prefetches p95 < 50 ms with 100k rows (worst case, ms)',
    worst,
    50,
    '<=',
  );
}

async function measureList(database: string) {
  const { Authorization } = await guestHeaders();
  const headers = { Authorization };
  const rows: Array<Record<string, string | number>> = [];
  for (const [name, path] of [
    ['newest 20', '/api/vod/prefetches'],
    ['by entity', '/api/vod/prefetches?entityRef=resource%3Adefault%2Fasset-7'],
    ['by status', '/api/vod/prefetches?status=failed&limit=50'],
    ['by user', '/api/vod/prefetches?createdBy=user%3Adefault%2Fuser-3'],
  ]) {
    // A full page, or the figures are for the wrong table.
    const first = await fetch(`${BACKEND}${path}`, { headers });
    const { items } = await first.json();
    if (!(items?.length >= 20)) {
      throw new Error(
        `${path} answered ${first.status} with ${items?.length} items`,
      );
    }
    const r = await load(
      BACKEND,
      { method: 'GET', path, headers, expect: 200 },
      { connections: 1, durationMs: DURATION, warmupMs: 1000 },
    );
    rows.push({
      database,
      query: name,
      'req/s': Math.round(r.reqPerSec),
      'p50 ms': r.p50.toFixed(1),
      'p95 ms': r.p95.toFixed(1),
      errors: failures(r),
    });
  }
  return rows;
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
