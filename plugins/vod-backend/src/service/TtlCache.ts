import { ServiceUnavailableError } from '@backstage/errors';

export interface TtlCacheOptions {
  ttlMs: number;
  /** A load still running after this long fails (and is forgotten); default: never. */
  loadTimeoutMs?: number;
  /** Names what is loaded, for the timeout's message, e.g. "the permission backend". */
  source?: string;
  now?: () => number;
  maxEntries?: number;
}

/**
 * Answers reused for a short time, keyed by string. Concurrent asks for one key share one load
 * (also with a zero TTL); a failed load is forgotten at once, so the next ask tries again, and a
 * load that hangs fails after `loadTimeoutMs` with a 503 instead of stalling every later ask of
 * its key. The oldest entries go first once `maxEntries` is reached.
 */
export class TtlCache<V> {
  private readonly entries = new Map<
    string,
    { value: Promise<V>; expiresAt: number }
  >();
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly maxEntries: number;

  constructor(private readonly options: TtlCacheOptions) {
    this.ttlMs = options.ttlMs;
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** The cached answer for `key`, or the one `load` gives (then cached). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.lookup(key);
    if (hit) return hit;
    return this.store(key, load());
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

  /**
   * Caches `loading`, a load in flight: its TTL starts when it settles. Returns it, bounded by
   * the load timeout.
   */
  store(key: string, loading: Promise<V>): Promise<V> {
    const value = this.withTimeout(loading);
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
    return value;
  }

  private withTimeout(loading: Promise<V>): Promise<V> {
    const { loadTimeoutMs, source = 'a lookup' } = this.options;
    if (loadTimeoutMs === undefined) return loading;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ServiceUnavailableError(
              `${source} did not answer within ${loadTimeoutMs / 1000} s`,
            ),
          ),
        loadTimeoutMs,
      );
      timer.unref?.();
    });
    return Promise.race([loading, timeout]).finally(() => clearTimeout(timer));
  }
}
