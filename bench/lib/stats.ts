// Shared by the benchmarks: the one way they all take quantiles and medians of their figures.

/** The `q` quantile of already sorted values: the value at index ⌊q·n⌋ (the last one at most). */
export function quantileOfSorted(sorted: readonly number[], q: number): number {
  return (
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
  );
}

/** The `q` quantile of `values`, in any order (they are not changed). */
export function quantile(values: readonly number[], q: number): number {
  return quantileOfSorted(
    [...values].sort((x, y) => x - y),
    q,
  );
}

/** The median of `values`: for an even count, the upper of the two middle ones. */
export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}
