import type {
  Prefetch,
  PrefetchStatus,
  PrefetchUrlResult,
} from '@mediaops/backstage-plugin-vod-common';

/** A prefetch to record, with the VOD tasks it splits into and the quota it reserves. */
export interface NewPrefetch {
  id: string;
  account: string;
  projectId: string;
  entityRef?: string;
  assetId?: string;
  urls?: string[];
  createdBy: string;
  now: number;
  quotaDay: string;
  quotaLimit: number;
  /** One per VOD call: the asset (no urls), or up to 10 URLs each. */
  tasks: Array<{ urls?: string[]; units: number }>;
  idempotency?: { key: string; requestHash: string };
  /**
   * The caller sends the tasks itself, at once (it holds their rate slots): they are recorded as
   * claimed, as claimTask would leave them, and returned.
   */
  claim?: boolean;
}

export type CreatePrefetchResult =
  | {
      kind: 'created';
      prefetch: Prefetch;
      /** The claimed tasks, with `claim` only. */
      claimed?: OutboxTask[];
    }
  /** The same Idempotency-Key with the same request: the first prefetch. */
  | { kind: 'replayed'; prefetch: Prefetch }
  /** The same Idempotency-Key with another request. */
  | { kind: 'key-conflict' }
  | { kind: 'over-quota'; used: number };

export interface PrefetchFilter {
  entityRef?: string;
  assetId?: string;
  account?: string;
  status?: PrefetchStatus;
  createdBy?: string;
}

/** Position in the newest-first listing. */
export interface PrefetchCursor {
  createdAt: number;
  id: string;
}

/** A VOD call waiting in, or taken from, the outbox. */
export interface OutboxTask {
  rowId: number;
  prefetchId: string;
  account: string;
  assetId?: string;
  urls?: string[];
  units: number;
  sendCount: number;
  possibleDuplicate: boolean;
}

/** A VOD task being followed. */
export interface OpenTask {
  rowId: number;
  prefetchId: string;
  account: string;
  taskId: string;
  pollCount: number;
  createdAt: number;
}

/** The vod plugin's persistence; DatabaseVodStore is the implementation. */
export interface VodStore {
  /**
   * Records a prefetch as `pending` with its tasks, reserving its quota and its idempotency key,
   * all in one transaction: nothing is half-written, and concurrent requests (or replicas) can
   * never spend more than the quota.
   */
  createPrefetch(input: NewPrefetch): Promise<CreatePrefetchResult>;
  getPrefetch(id: string): Promise<Prefetch | undefined>;
  listPrefetches(
    filter: PrefetchFilter,
    page: { limit: number; cursor?: PrefetchCursor },
  ): Promise<{ items: Prefetch[]; next?: PrefetchCursor }>;
  /** Finds a prefetch by the VOD task id one of its tasks got. */
  findByTaskId(
    taskId: string,
  ): Promise<{ prefetchId: string; account: string } | undefined>;
  quotaUsed(account: string, quotaDay: string): Promise<number>;

  // The outbox, oldest first.
  /** The oldest pending tasks of an account, not yet claimed, at most `limit`. */
  pendingTasks(account: string, limit: number): Promise<OutboxTask[]>;
  /** Atomically takes a pending task for sending; false when someone else took it. */
  claimTask(rowId: number, now: number): Promise<boolean>;
  /** Gives back a claim whose call surely never reached VOD (unreachable, throttled). */
  unclaimTask(rowId: number, now: number): Promise<void>;
  /** VOD accepted the call. */
  markAccepted(
    task: Pick<OutboxTask, 'rowId' | 'prefetchId'>,
    taskId: string,
    now: number,
    firstPollAt: number,
  ): Promise<void>;
  /** VOD refused the call: the task fails and its quota is given back. */
  markRejected(
    rowId: number,
    error: { code: string; message: string },
    now: number,
  ): Promise<void>;
  /**
   * The call may or may not have reached VOD (timeout, reset, 5xx, crash). It is queued once more
   * as a possible duplicate; a second such outcome fails it, keeping its quota spent.
   */
  markUncertain(
    rowId: number,
    error: { code: string; message: string },
    now: number,
  ): Promise<void>;
  /** Puts tasks that were being sent when a process died back in the outbox (see markUncertain). */
  recoverInFlight(now: number, sentBefore: number): Promise<number>;

  // Following VOD tasks.
  dueForPolling(now: number, limit: number): Promise<OpenTask[]>;
  /** Stores VOD's per-URL answer; a task is `processing` until every URL has ended. */
  recordPoll(
    rowId: number,
    results: PrefetchUrlResult[],
    now: number,
    nextPollAt: number,
  ): Promise<void>;
  /** A poll failed; try again at `nextPollAt`. */
  deferPoll(rowId: number, nextPollAt: number, now: number): Promise<void>;
  /** VOD never reported an end in time. */
  markExpired(rowId: number, now: number): Promise<void>;
}
