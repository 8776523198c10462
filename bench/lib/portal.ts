// The demo portal for benchmarks: the VOD simulator in a process of its own with its limits
// lifted, the demo backend (dev mode) on port 7007 with one bench account, a guest token, and
// 100,000 recorded prefetches for the list benchmarks.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import knexFactory, { Knex } from 'knex';

export const ROOT = resolve(__dirname, '../..');
export const PROJECT = '0123456789abcdef0123456789abcdef';
export const AK = 'BENCHACCESSKEY000001';
export const SK = 'bench-secret-for-the-local-simulator';
export const ASSET = 'f488337c31c8e4622f1590735b134c65';
export const BACKEND = 'http://127.0.0.1:7007';
/** The vod backend's migrations as its package ships them. */
const MIGRATIONS = join(
  dirname(
    require.resolve('@mediaops/backstage-plugin-vod-backend/package.json'),
  ),
  'migrations',
);

export function goal(
  name: string,
  value: number,
  target: number,
  op: '>=' | '<=',
) {
  const met = op === '>=' ? value >= target : value <= target;
  console.log(
    `  ${name}: ${value.toFixed(2)} ${op} ${target} ${met ? 'MET' : 'MISSED'}`,
  );
}

export interface Simulator {
  url: string;
  close(): void;
}

/**
 * The VOD simulator in a process of its own, as VOD is to the backend: the backend's calls and
 * (f)'s direct calls both cross a process boundary. Its limits are lifted and tasks end after 1 s.
 */
export async function startSimulator(
  options: { processingMs?: number; config?: Record<string, unknown> } = {},
): Promise<Simulator> {
  const configFile = join(
    mkdtempSync(join(tmpdir(), 'vod-bench-sim-')),
    'simulator.json',
  );
  writeFileSync(
    configFile,
    JSON.stringify({
      port: 0,
      dailyQuota: 1e9,
      createsPerMinute: 1e9,
      queriesPerMinute: 1e9,
      processingMs: options.processingMs ?? 1000,
      failingUrlPatterns: [],
      ...options.config,
    }),
  );
  const child = spawn(
    'yarn',
    ['workspace', '@mediaops/vod-simulator', 'start'],
    {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        VOD_PROJECT_ID: PROJECT,
        VOD_ACCESS_KEY_ID: AK,
        VOD_SECRET_ACCESS_KEY: SK,
        VOD_SIMULATOR_CONFIG: configFile,
      },
    },
  );
  const url = await new Promise<string>((resolveUrl, fail) => {
    let out = '';
    child.stdout!.on('data', chunk => {
      out += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolveUrl(match[1]);
    });
    child.once('exit', code => fail(new Error(`simulator exited: ${code}`)));
  });
  return {
    url,
    close: () => {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        // gone already
      }
    },
  };
}

/**
 * The one VOD account the benches configure, on the simulator at `endpoint`: its limits lifted
 * unless given.
 */
export function benchAccount(
  endpoint: string,
  limits: {
    dailyQuota?: number;
    createsPerMinute?: number;
    queriesPerMinute?: number;
  } = {},
) {
  return {
    name: 'main',
    endpoint,
    projectId: PROJECT,
    accessKeyId: AK,
    secretAccessKey: SK,
    dailyQuota: limits.dailyQuota ?? 1_000_000_000,
    allowedUrlPrefixes: ['https://cdn.example.com/asset/'],
    rateLimit: {
      createsPerMinute: limits.createsPerMinute ?? 1_000_000_000,
      queriesPerMinute: limits.queriesPerMinute ?? 1_000_000_000,
    },
  };
}

/** Records 100,000 prefetches of 500 entities by 50 users, one a second up to now. */
async function fill(
  knex: Knex,
  statuses = ['succeeded', 'failed', 'processing', 'partially_failed'],
) {
  // The plugin's migrations, as its store runs them when the backend starts.
  await knex.migrate.latest({ directory: MIGRATIONS });
  const t0 = Date.now() - 100_000 * 1000;
  const rows = Array.from({ length: 100_000 }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    account: 'main',
    project_id: PROJECT,
    entity_ref: `resource:default/asset-${i % 500}`,
    asset_id: ASSET,
    urls: null,
    status: statuses[i % statuses.length],
    created_by: `user:default/user-${i % 50}`,
    created_at: t0 + i * 1000,
    updated_at: t0 + i * 1000,
    possible_duplicate: false,
    quota_day: '2026-11-25',
    quota_units: 1,
  }));
  for (let i = 0; i < rows.length; i += 500) {
    await knex('vod_prefetches').insert(rows.slice(i, i + 500));
  }
  await knex.destroy();
}

/** A SQLite database in a new directory, filled; the backend's `database` config for it. */
export async function filledSqlite(statuses?: string[]) {
  const directory = mkdtempSync(join(tmpdir(), 'vod-bench-sqlite-'));
  await fill(
    knexFactory({
      client: 'better-sqlite3',
      connection: { filename: join(directory, 'vod.sqlite') },
      useNullAsDefault: true,
    }),
    statuses,
  );
  return { client: 'better-sqlite3', connection: { directory } };
}

/**
 * A new database on the PostgreSQL at 127.0.0.1, filled; the backend's `database` config with
 * the vod plugin on it.
 */
export async function filledPostgres() {
  const database = `vod_bench_${Date.now()}`;
  const connection = { host: '127.0.0.1', user: 'postgres' };
  const admin = knexFactory({
    client: 'pg',
    connection: { ...connection, database: 'postgres' },
  });
  await admin.raw(`CREATE DATABASE ${database}`);
  await admin.destroy();
  await fill(
    knexFactory({ client: 'pg', connection: { ...connection, database } }),
  );
  return {
    client: 'pg',
    connection,
    plugin: { vod: { connection: { database } } },
  };
}

/**
 * Starts the demo backend with `config` on top of app-config.yaml and one account on `sim` with
 * its limits lifted; resolves once the catalog has ingested the demo entities.
 */
export async function startBackend(
  sim: Simulator,
  config: { backend: { database: object; [key: string]: unknown } } & Record<
    string,
    unknown
  >,
): Promise<ChildProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'vod-bench-'));
  const configFile = join(dir, 'app-config.bench.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      ...config,
      vod: {
        // BENCH_CACHE_TTL=0 measures without reusing permission decisions and catalog lookups.
        ...(process.env.BENCH_CACHE_TTL !== undefined && {
          cacheTtl: { seconds: Number(process.env.BENCH_CACHE_TTL) },
        }),
        accounts: [benchAccount(sim.url)],
      },
    }),
  );
  const child = spawnDemoBackend(configFile, sim, 'inherit', 'warn');
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      const res = await fetch(`${BACKEND}/api/catalog/entities?limit=1`, {
        headers: { Authorization: `Bearer ${await guestToken()}` },
      });
      const body = res.ok ? await res.json() : [];
      if (Array.isArray(body) && body.length > 0) return child; // catalog ingested
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error('backend did not start');
    await new Promise(r => setTimeout(r, 1000));
  }
}

/**
 * `yarn workspace backend start` (dev mode) with app-config.yaml and `configFile` on top, the VOD
 * account's variables pointing at `sim`, in a process group of its own; stderr and stdout to
 * `output` ('inherit', or a file descriptor for both).
 */
export function spawnDemoBackend(
  configFile: string,
  sim: Simulator,
  output: 'inherit' | number,
  logLevel: string,
): ChildProcess {
  return spawn(
    'yarn',
    [
      'workspace',
      'backend',
      'start',
      '--config',
      '../../app-config.yaml',
      '--config',
      configFile,
    ],
    {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', output === 'inherit' ? 'ignore' : output, output],
      env: {
        ...process.env,
        VOD_ENDPOINT: sim.url,
        VOD_PROJECT_ID: PROJECT,
        VOD_ACCESS_KEY_ID: AK,
        VOD_SECRET_ACCESS_KEY: SK,
        LOG_LEVEL: logLevel,
      },
    },
  );
}

export async function stopBackend(child: ChildProcess) {
  try {
    process.kill(-child.pid!, 'SIGTERM');
  } catch {
    // gone already
  }
  // Done only when nothing accepts connections on the port any more: a failed health request
  // alone can come while the old process still holds the port, and the next backend then
  // cannot listen.
  for (let i = 0; i < 120; i++) {
    if (!(await portAccepts(7007))) return;
    await new Promise(r => setTimeout(r, 500));
  }
  throw new Error('the backend did not stop within a minute');
}

export function portAccepts(port: number): Promise<boolean> {
  return new Promise(resolvePort => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolvePort(true);
    });
    socket.once('error', () => resolvePort(false));
  });
}

/** The guest's Authorization header, with a JSON Content-Type. */
export async function guestHeaders(): Promise<Record<string, string>> {
  return {
    Authorization: `Bearer ${await guestToken()}`,
    'Content-Type': 'application/json',
  };
}

/**
 * Waits until no prefetch is waiting to be sent to VOD; returns how long that took, in seconds.
 */
export async function outboxDrained(
  headers: Record<string, string>,
): Promise<number> {
  const start = Date.now();
  for (;;) {
    const res = await fetch(
      `${BACKEND}/api/vod/prefetches?status=pending&limit=1`,
      { headers },
    );
    const { items } = await res.json();
    if (items.length === 0) return (Date.now() - start) / 1000;
    if (Date.now() - start > 300_000) {
      throw new Error('the outbox did not drain within 5 minutes');
    }
    await new Promise(r => setTimeout(r, 200));
  }
}

export async function guestToken(): Promise<string> {
  const res = await fetch(
    `${BACKEND}/api/auth/guest/refresh?optional&env=development`,
    {
      headers: { 'X-Requested-With': 'XMLHttpRequest' },
    },
  );
  if (!res.ok) throw new Error(`guest sign-in: ${res.status}`);
  return (await res.json()).backstageIdentity.token;
}
