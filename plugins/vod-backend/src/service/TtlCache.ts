/**
 * Answers reused for a short time, keyed by string. Concurrent asks for one key share one load
 * (also with a zero TTL); a failed load is forgotten at once, so the next ask tries again. The
 * oldest entries go first once `maxEntries` is reached.
 */
export class TtlCache<V> {
  private readonly entries = new Map<
    string,
    { value: Promise<V>; expiresAt: number }
  >();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  /** The cached answer for `key`, or the one `load` gives (then cached). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.lookup(key);
    if (hit) return hit;
    const value = load();
    this.store(key, value);
    return value;
  }

  /** The cached (or loading) answer for `key`, if any. */
  lookup(key: string): Promise<V> | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Caches `value`, a load in flight: its TTL starts when it settles. */
  store(key: string, value: Promise<V>): void {
    const entry = { value, expiresAt: Infinity };
    this.entries.delete(key);
    this.entries.set(key, entry);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(oldest);
    }
    value.then(
      () => {
        if (this.entries.get(key) !== entry) return;
        if (this.ttlMs > 0) entry.expiresAt = this.now() + this.ttlMs;
        else this.entries.delete(key);
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
  }
}
