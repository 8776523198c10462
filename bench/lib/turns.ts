// Cases measured in turns (bench/api): every case runs in short turns, in an order that rotates
// each round, and its figures are the medians over its turns: this machine's speed drifts by a
// factor of two within minutes, and turns spread that drift over all cases alike instead of onto
// whichever case ran during a slow spell.
import { LoadResult } from './load';
import { median } from './stats';

/** One case: a run of `durationMs` on `connections` connections. */
export type Run = (
  connections: number,
  durationMs: number,
) => Promise<LoadResult>;

/** Figures by case name, then by number of connections. */
export type ByCase<T> = Record<string, Record<number, T>>;

export interface Turns {
  /** Each case's medians over its turns. */
  medians: ByCase<LoadResult>;
  /** What `afterTurn` returned after each of the case's turns, summed. */
  afterTurn: ByCase<number>;
}

/**
 * Runs every case `rounds` times at each number of connections, each turn `durationMs` long,
 * starting each round one case further on; `afterTurn` runs after every turn, before the next.
 */
export async function inTurns(
  cases: Array<[string, Run]>,
  options: {
    connections: number[];
    rounds: number;
    durationMs: number;
    afterTurn: () => Promise<number>;
  },
): Promise<Turns> {
  const medians: ByCase<LoadResult> = {};
  const afterTurn: ByCase<number> = {};
  for (const connections of options.connections) {
    const turns: Record<string, LoadResult[]> = {};
    for (let round = 0; round < options.rounds; round++) {
      for (let k = 0; k < cases.length; k++) {
        const [name, run] = cases[(k + round) % cases.length];
        (turns[name] ??= []).push(await run(connections, options.durationMs));
        const after = await options.afterTurn();
        (afterTurn[name] ??= {})[connections] =
          (afterTurn[name][connections] ?? 0) + after;
      }
    }
    for (const [name, results] of Object.entries(turns)) {
      (medians[name] ??= {})[connections] = medianOf(results);
    }
  }
  return { medians, afterTurn };
}

/** Each figure's median over the turns; requests, errors and unexpected statuses summed. */
export function medianOf(results: LoadResult[]): LoadResult {
  const unexpected: Record<number, number> = {};
  for (const r of results) {
    for (const [status, count] of Object.entries(r.unexpected)) {
      unexpected[Number(status)] = (unexpected[Number(status)] ?? 0) + count;
    }
  }
  return {
    requests: results.reduce((sum, r) => sum + r.requests, 0),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    unexpected,
    reqPerSec: median(results.map(r => r.reqPerSec)),
    p50: median(results.map(r => r.p50)),
    p95: median(results.map(r => r.p95)),
    p99: median(results.map(r => r.p99)),
  };
}
