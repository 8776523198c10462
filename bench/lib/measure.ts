// Shared by the benchmarks: time synchronous functions side by side and print an aligned table.
import { median } from './stats';

/**
 * Times each function for a warm-up, then `rounds` rounds of about `roundMs` each, taking the
 * functions in turn within every round so that none profits from going first (a cooler heap,
 * less garbage left by the others). Returns the median round's ops/s of each: the median resists
 * a round disturbed by GC or another process.
 */
export function compare(
  fns: Record<string, () => unknown>,
  { rounds = 9, roundMs = 300, warmupMs = 300 } = {},
): Record<string, number> {
  const names = Object.keys(fns);
  const results: Record<string, number[]> = Object.fromEntries(
    names.map(n => [n, []]),
  );
  for (const name of names) run(fns[name], warmupMs);
  for (let round = 0; round < rounds; round++) {
    // rotate the order every round
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length];
      results[name].push(run(fns[name], roundMs));
    }
  }
  return Object.fromEntries(names.map(n => [n, median(results[n])]));
}

function run(fn: () => unknown, ms: number): number {
  let ops = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 100; i++) fn();
    ops += 100;
    now = process.hrtime.bigint();
  }
  return ops / (Number(now - start) / 1e9);
}

/** Prints rows as a plain aligned table. */
export function printTable(rows: Array<Record<string, string | number>>): void {
  const columns = Object.keys(rows[0]);
  const widths = columns.map(c =>
    Math.max(c.length, ...rows.map(r => String(r[c]).length)),
  );
  const line = (cells: string[]) =>
    cells.map((cell, i) => cell.padStart(widths[i])).join('  ');
  console.log(line(columns));
  console.log(line(widths.map(w => '-'.repeat(w))));
  for (const row of rows) console.log(line(columns.map(c => String(row[c]))));
}
