/**
 * Loads keys in batches, as a group commit writes: the first key asked for is loaded at once;
 * keys asked for while a load is under way wait for it, then go together in the next load (up to
 * `maxBatch` a load). So a burst of requests for different entities costs the catalog a few
 * queries, not one each, and a lone request waits for nothing.
 */
export class BatchLoader<K, V> {
  private waiting = new Map<
    K,
    Array<{ resolve(value: V): void; reject(error: unknown): void }>
  >();
  private loading = false;

  constructor(
    private readonly loadMany: (keys: K[]) => Promise<Map<K, V>>,
    private readonly maxBatch = 100,
  ) {}

  load(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      const waiters = this.waiting.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.waiting.set(key, [{ resolve, reject }]);
      if (!this.loading) void this.run();
    });
  }

  private async run() {
    this.loading = true;
    try {
      while (this.waiting.size > 0) {
        const keys = [...this.waiting.keys()].slice(0, this.maxBatch);
        const batch = keys.map(key => [key, this.waiting.get(key)!] as const);
        for (const key of keys) this.waiting.delete(key);
        try {
          const values = await this.loadMany(keys);
          for (const [key, waiters] of batch) {
            for (const waiter of waiters) waiter.resolve(values.get(key)!);
          }
        } catch (error) {
          for (const [, waiters] of batch) {
            for (const waiter of waiters) waiter.reject(error);
          }
        }
      }
    } finally {
      this.loading = false;
    }
  }
}
