// The demo backend as a replica for the resilience benches: on a port of its own, on a database
// it is given, with a static token to call the vod API, its log in a file; killed with SIGKILL and
// started again like a crashed pod.
import type { ChildProcess } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import knexFactory, { Knex } from 'knex';
import {
  benchAccount,
  Simulator,
  portAccepts,
  spawnDemoBackend,
} from './portal';

/** The static external-access token every replica accepts (its subject: resilience-bench). */
export const TOKEN = 'resilience-bench-token-0001';

export interface ReplicaOptions {
  port: number;
  /** A folder of its own: its config and log. */
  dir: string;
  /** `backend.database`. */
  database: object;
  sim: Simulator;
  dailyQuota?: number;
  createsPerMinute: number;
  queriesPerMinute: number;
  /** `vod.polling`. */
  polling?: Record<string, string>;
  /** `vod.timeouts`; short ones make a crashed call's lease short. */
  timeouts?: Record<string, string>;
}

export interface Replica {
  url: string;
  /** Starts it (again) and resolves once it serves the vod API and the catalog. */
  start(): Promise<void>;
  /** SIGKILL to the whole process group, like a pod killed; resolves once the port is free. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after 20 s. */
  stop(): Promise<void>;
}

export function replica(options: ReplicaOptions): Replica {
  const { port, dir, sim } = options;
  const url = `http://127.0.0.1:${port}`;
  const configFile = join(dir, `app-config.${port}.json`);
  writeFileSync(
    configFile,
    JSON.stringify({
      backend: {
        baseUrl: url,
        listen: { port },
        database: options.database,
        auth: {
          externalAccess: [
            {
              type: 'static',
              options: { token: TOKEN, subject: 'resilience-bench' },
            },
          ],
        },
      },
      vod: {
        accounts: [
          benchAccount(sim.url, {
            dailyQuota: options.dailyQuota ?? 1_000_000,
            createsPerMinute: options.createsPerMinute,
            queriesPerMinute: options.queriesPerMinute,
          }),
        ],
        polling: options.polling ?? {},
        timeouts: options.timeouts ?? {},
      },
    }),
  );
  let child: ChildProcess | undefined;
  let starts = 0;

  const signal = async (name: NodeJS.Signals) => {
    if (!child) return;
    try {
      process.kill(-child.pid!, name);
    } catch {
      // gone already
    }
  };
  const portFree = async (ms: number) => {
    for (const end = Date.now() + ms; Date.now() < end; ) {
      if (!(await portAccepts(port))) return true;
      await sleep(200);
    }
    return false;
  };

  return {
    url,
    async start() {
      starts += 1;
      const log = openSync(join(dir, `backend.${port}.${starts}.log`), 'w');
      child = spawnDemoBackend(configFile, sim, log, 'info');
      const deadline = Date.now() + 180_000;
      for (;;) {
        if (await ready(url)) return;
        if (child.exitCode !== null) {
          throw new Error(`replica ${port} exited; see ${dir}`);
        }
        if (Date.now() > deadline) throw new Error(`replica ${port} not up`);
        await sleep(500);
      }
    },
    async kill() {
      await signal('SIGKILL');
      if (!(await portFree(30_000))) throw new Error(`port ${port} held`);
    },
    async stop() {
      await signal('SIGTERM');
      if (!(await portFree(20_000))) await this.kill();
    },
  };
}

async function isReady(url: string): Promise<boolean> {
  const res = await fetch(`${url}/.backstage/health/v1/readiness`).catch(
    () => undefined,
  );
  return res?.ok ?? false;
}

/** The demo's annotated media entities (examples/media.yaml), all ingested before a run. */
const MEDIA = [
  'winter-launch-trailer-2026',
  'coastlines-s01e01',
  'cup-final-highlights',
  'getting-started-tutorial',
];

async function ready(url: string): Promise<boolean> {
  try {
    const health = await fetch(`${url}/api/vod/health`);
    if (!health.ok) return false;
    for (const name of MEDIA) {
      const entity = await fetch(
        `${url}/api/catalog/entities/by-name/resource/default/${name}`,
        { headers: { Authorization: `Bearer ${TOKEN}` } },
      );
      if (!entity.ok) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** The answer to one create, asked again (same Idempotency-Key) while the backend is down. */
export async function submit(
  url: string | (() => string),
  body: object,
  key: string,
): Promise<{ status: number; id?: string; error?: string }> {
  for (;;) {
    try {
      const base = typeof url === 'string' ? url : url();
      const res = await fetch(`${base}/api/vod/prefetches`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${TOKEN}`,
          'Content-Type': 'application/json',
          'Idempotency-Key': key,
        },
        body: JSON.stringify(body),
      });
      const answer = await res.json().catch(() => ({}));
      if (res.status === 404 && !(await isReady(base))) {
        // started, but its plugins not yet: the route is not there yet
        await sleep(500);
        continue;
      }
      if (res.status >= 500 && res.status !== 503) {
        return { status: res.status, error: JSON.stringify(answer) };
      }
      if (res.status !== 503) {
        return { status: res.status, id: answer.id, error: answer.error };
      }
    } catch {
      // down: ask again once it is back
    }
    await sleep(500);
  }
}

/** Runs `work` over `items`, `width` at a time. */
export async function inParallel<T, R>(
  items: T[],
  width: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index], index);
      }
    }),
  );
  return results;
}

/** A new PostgreSQL database prefix for a run: each plugin's database starts empty. */
export async function freshPostgres(name: string) {
  const prefix = `${name}_${Date.now()}_`;
  return {
    database: {
      client: 'pg',
      connection: { host: '127.0.0.1', user: 'postgres' },
      prefix,
    },
    vodKnex: () =>
      knexFactory({
        client: 'pg',
        connection: {
          host: '127.0.0.1',
          user: 'postgres',
          database: `${prefix}vod`,
        },
      }),
    /** Drops the run's databases. */
    async drop() {
      const admin = knexFactory({
        client: 'pg',
        connection: {
          host: '127.0.0.1',
          user: 'postgres',
          database: 'postgres',
        },
      });
      const rows = await admin
        .select('datname')
        .from('pg_database')
        .where('datname', 'like', `${prefix}%`);
      for (const { datname } of rows) {
        await admin.raw(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
      await admin.destroy();
    },
  };
}

/** The vod plugin's SQLite database in `dir` (as the backend names it). */
export function sqliteVodKnex(dir: string): Knex {
  return knexFactory({
    client: 'better-sqlite3',
    connection: { filename: join(dir, 'vod.sqlite') },
    useNullAsDefault: true,
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}
