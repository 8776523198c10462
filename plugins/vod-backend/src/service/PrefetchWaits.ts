import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  isPrefetchEnded,
  Prefetch,
  prefetchFingerprint,
} from '@mediaops/backstage-plugin-vod-common';
import { TooManyWaitsError } from './errors';
import type { PrefetchService } from './PrefetchService';

/** A waiting read looks at the database at least this often (for other instances' changes). */
const RECHECK_MS = 1_000;
/** Waiting reads one caller may hold open at once; more are refused (429). */
const MAX_WAITS_PER_CALLER = 20;

/** How a waiting read waits: as whom, at most how long, at least how long for a change. */
interface WaitOptions {
  credentials: BackstageCredentials;
  timeoutMs: number;
  minWaitMs: number;
  signal?: AbortSignal;
}

/**
 * Waiting reads (`GET /prefetches/:id?changedFrom=`): each answers when its prefetch changes, woken
 * by the changes this instance records (the store's announcements) and rechecking the database
 * for other instances' changes, one read shared by all the waiters of a prefetch.
 */
export class PrefetchWaits {
  constructor(
    private readonly deps: {
      prefetches: Pick<PrefetchService, 'get' | 'readUnchecked'>;
      /** Who the caller is, as `createdBy` records it. */
      principalRef: (credentials: BackstageCredentials) => string;
      now: () => number;
    },
  ) {}

  /**
   * A prefetch the caller may read, once it shows something other than `seen` (its
   * `prefetchFingerprint`): at once when it has ended, otherwise not before `minWaitMs` (so a
   * watcher asks at most that often), and as it is after `timeoutMs`. The caller's right is
   * checked once; the prefetch is then read again on each change this instance records, and
   * every second for changes recorded by other instances (one read shared by all its waiters).
   * A caller may hold MAX_WAITS_PER_CALLER open at once.
   */
  async waitForChange(
    id: string,
    seen: string,
    options: WaitOptions,
  ): Promise<Prefetch> {
    const caller = this.deps.principalRef(options.credentials);
    const open = this.openWaits.get(caller) ?? 0;
    if (open >= MAX_WAITS_PER_CALLER) {
      throw new TooManyWaitsError(
        `You have ${open} waiting reads open, the most one caller may; ask again once one has answered`,
      );
    }
    this.openWaits.set(caller, open + 1);
    try {
      return await this.waitUntilChanged(id, seen, options);
    } finally {
      const left = (this.openWaits.get(caller) ?? 1) - 1;
      if (left > 0) this.openWaits.set(caller, left);
      else this.openWaits.delete(caller);
    }
  }

  /** Waiting reads open per caller (`createdBy`'s form). */
  private readonly openWaits = new Map<string, number>();

  private async waitUntilChanged(
    id: string,
    seen: string,
    options: WaitOptions,
  ): Promise<Prefetch> {
    const start = this.deps.now();
    let prefetch = await this.deps.prefetches.get(id, options.credentials);
    // Watching from here on, so that no change slips by while a read is under way.
    const watcher: Watcher = { woken: false };
    const watchers = this.watchers.get(id) ?? new Set();
    this.watchers.set(id, watchers.add(watcher));
    try {
      for (;;) {
        const changed = prefetchFingerprint(prefetch) !== seen;
        const waited = this.deps.now() - start;
        if (
          isPrefetchEnded(prefetch.status) ||
          (changed && waited >= options.minWaitMs) ||
          waited >= options.timeoutMs ||
          options.signal?.aborted
        ) {
          return prefetch;
        }
        await nextWake(
          watcher,
          Math.min(
            RECHECK_MS,
            (changed ? options.minWaitMs : options.timeoutMs) - waited,
          ),
          options.signal,
        );
        const fresh = await this.reread(id);
        if (!fresh) return prefetch; // pruned meanwhile
        prefetch = fresh;
      }
    } finally {
      watchers.delete(watcher);
      if (watchers.size === 0) this.watchers.delete(id);
    }
  }

  /**
   * The prefetch as recorded now, one database read shared by every waiting read of it that asks
   * within a recheck (a change this instance records starts a new one).
   */
  private reread(id: string): Promise<Prefetch | undefined> {
    const at = this.deps.now();
    const shared = this.rereads.get(id);
    if (shared && at - shared.at < RECHECK_MS / 2) return shared.read;
    const read = this.deps.prefetches.readUnchecked(id);
    this.rereads.set(id, { at, read });
    const forget = () => {
      if (this.rereads.get(id)?.read === read) this.rereads.delete(id);
    };
    read.then(() => setTimeout(forget, RECHECK_MS / 2).unref(), forget);
    return read;
  }

  private readonly rereads = new Map<
    string,
    { at: number; read: Promise<Prefetch | undefined> }
  >();

  /** Wakes whoever waits for these prefetches (the store's announcements after commit). */
  changed(changes: Array<{ id: string }>): void {
    for (const { id } of changes) {
      this.rereads.delete(id); // a read from before the change is not shared on
      for (const watcher of this.watchers.get(id) ?? []) {
        watcher.woken = true;
        watcher.wake?.();
      }
    }
  }

  private readonly watchers = new Map<string, Set<Watcher>>();
}

/** A waiting read's view of the changes of its prefetch. */
interface Watcher {
  /** A change came since the last read began. */
  woken: boolean;
  /** Ends the current wait, if one is under way. */
  wake?: () => void;
}

/** Resolves at once if a change came since the last read, else on one, after `ms`, or on abort. */
function nextWake(watcher: Watcher, ms: number, signal?: AbortSignal) {
  return new Promise<void>(resolve => {
    let timer: ReturnType<typeof setTimeout> | undefined = undefined;
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      watcher.wake = undefined;
      watcher.woken = false; // the read that follows sees the change
      resolve();
    };
    timer = setTimeout(done, watcher.woken ? 0 : Math.max(0, ms));
    signal?.addEventListener('abort', done);
    watcher.wake = done;
  });
}
