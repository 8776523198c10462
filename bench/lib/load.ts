// A small HTTP load generator on undici: N connections, each sending requests back to back for a
// fixed time, with every latency recorded. Used by bench/api.
import { Pool } from 'undici';
import { quantileOfSorted } from './stats';

export interface LoadResult {
  requests: number;
  errors: number;
  /** Status codes other than the expected one, counted. */
  unexpected: Record<number, number>;
  reqPerSec: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string | (() => string);
  expect: number;
}

export async function load(
  origin: string,
  request: LoadRequest,
  options: { connections: number; durationMs: number; warmupMs?: number },
): Promise<LoadResult> {
  const pool = new Pool(origin, {
    connections: options.connections,
    pipelining: 1,
  });
  try {
    if (options.warmupMs) {
      await run(pool, request, options.connections, options.warmupMs);
    }
    return await run(pool, request, options.connections, options.durationMs);
  } finally {
    await pool.close();
  }
}

function run(
  pool: Pool,
  request: LoadRequest,
  connections: number,
  durationMs: number,
) {
  return concurrently(connections, durationMs, async () => {
    const res = await pool.request({
      method: request.method,
      path: request.path,
      headers: request.headers,
      body: typeof request.body === 'function' ? request.body() : request.body,
    });
    await res.body.dump();
    return res.statusCode === request.expect ? undefined : res.statusCode;
  });
}

/**
 * Runs `call` back to back on `connections` concurrent loops for `durationMs`, recording every
 * latency. `call` resolves with an unexpected status code, or undefined when all is well; a
 * thrown error counts as an error.
 */
export async function concurrently(
  connections: number,
  durationMs: number,
  call: () => Promise<number | undefined>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  const unexpected: Record<number, number> = {};
  let errors = 0;
  const start = performance.now();
  const end = start + durationMs;
  async function worker() {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        const status = await call();
        latencies.push(performance.now() - t0);
        if (status !== undefined) {
          unexpected[status] = (unexpected[status] ?? 0) + 1;
        }
      } catch {
        errors += 1;
      }
    }
  }
  await Promise.all(Array.from({ length: connections }, worker));
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    unexpected,
    reqPerSec: latencies.length / elapsed,
    p50: quantileOfSorted(latencies, 0.5),
    p95: quantileOfSorted(latencies, 0.95),
    p99: quantileOfSorted(latencies, 0.99),
  };
}

/** Calls that failed: thrown errors and unexpected statuses together. */
export function failures(r: LoadResult): number {
  return r.errors + Object.values(r.unexpected).reduce((x, y) => x + y, 0);
}
