import type {
  Prefetch,
  PrefetchStatus,
  PrefetchUrlResult,
} from '@mediaops/backstage-plugin-vod-common';
import type { TaskStatus } from './status';

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
  idempotency?: { key: string; requestHash: string; expiresAt: number };
}

export type CreatePrefetchResult =
  | { kind: 'created'; prefetch: Prefetch }
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

/** Which prefetches a reader may see, applied in the query. */
export interface PrefetchVisibility {
  /** Prefetches tied to an entity: all, none, or all but those of these entities. */
  entities: 'all' | 'none' | { except: string[] };
  /** Prefetches tied to no entity: all, or those one caller started. */
  adhoc: 'all' | { createdBy: string };
}

/** A prefetch whose state changed (or was recorded), as announced after the change committed. */
export interface PrefetchChange {
  id: string;
  entityRef?: string;
  status: PrefetchStatus;
}

/** Position in the newest-first listing. */
export interface PrefetchCursor {
  createdAt: number;
  id: string;
}

/** Asking for a place in an account's rate (see `VodStore.takeCallSlot`). */
export interface CallSlotRequest {
  account: string;
  operation: string;
  limit: number;
  windowMs: number;
  now: number;
}

export type CallSlotResult =
  | { seq: number }
  /** No place before `waitMs`. */
  | { waitMs: number };

/** A VOD call waiting in the outbox. */
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

/** Taking a task for sending, right before its call is written. */
export interface Claim {
  /** Names this claim in every later update of the send (fencing). */
  token: string;
  now: number;
  /** Past this time the claim counts as interrupted and is recovered. */
  leaseUntil: number;
  /** Today's quota day: VOD counts the call on the day it receives it. */
  quotaDay: string;
  quotaLimit: number;
}

/**
 * `taken`: no longer pending (another dispatcher took it, or it was given up); `over-quota`: it
 * was queued on an earlier quota day and today's quota has no room for it.
 */
export type ClaimResult = 'claimed' | 'taken' | 'over-quota';

/** A VOD task being followed. */
export interface OpenTask {
  rowId: number;
  prefetchId: string;
  account: string;
  taskId: string;
  pollCount: number;
  /** When the call VOD accepted was sent: expiry counts from here. */
  sentAt: number;
}

/** A VOD task this portal created, as the seed query answers it. */
export interface RecordedVodTask {
  rowId: number;
  prefetchId: string;
  account: string;
  entityRef?: string;
  createdBy: string;
  taskId: string;
  status: TaskStatus;
  results: PrefetchUrlResult[];
  /** When VOD last reported on it; undefined: never yet. */
  polledAt?: number;
}

/** An error a task ended (or was queued again) with: VOD's, or one of the portal's. */
export interface TaskError {
  code: string;
  message: string;
}

/** Where each VOD call of a prefetch stands (the seed route waits on it). */
export interface TaskState {
  rowId: number;
  status: TaskStatus;
  taskId?: string;
  error?: TaskError;
  possibleDuplicate: boolean;
}

/** Which not-yet-sent tasks to give up (see failUnsentTasks). */
export interface UnsentTasks {
  rowId?: number;
  prefetchId?: string;
  /** Tasks of prefetches made before this time. */
  createdBefore?: number;
  limit?: number;
}

/** How unsent tasks are given up (see failUnsentTasks). */
export interface UnsentOutcome {
  status: 'failed' | 'expired';
  error: TaskError;
  forgetKey?: boolean;
  failResent?: boolean;
}

/** The vod plugin's persistence; DatabaseVodStore is the implementation. */
export interface VodStore {
  /**
   * Records a prefetch as `pending` with its tasks, reserving its quota and its idempotency key,
   * all in one transaction: nothing is half-written, and concurrent requests (or replicas) can
   * never spend more than the quota. An expired idempotency key counts as unused.
   */
  createPrefetch(input: NewPrefetch): Promise<CreatePrefetchResult>;
  getPrefetch(id: string): Promise<Prefetch | undefined>;
  listPrefetches(
    filter: PrefetchFilter,
    page: { limit: number; cursor?: PrefetchCursor },
    visibility: PrefetchVisibility,
  ): Promise<{ items: Prefetch[]; next?: PrefetchCursor }>;
  /** The task an account's VOD project knows by this id, if this portal created it. */
  findVodTask(
    account: string,
    taskId: string,
  ): Promise<RecordedVodTask | undefined>;
  taskStates(prefetchId: string): Promise<TaskState[]>;
  /** Per prefetch, the URLs VOD reported on and how many ended (those it reported on yet). */
  progressOf(
    prefetchIds: string[],
  ): Promise<Map<string, { total: number; succeeded: number; failed: number }>>;
  /** Per pending prefetch, its place in its account's queue of calls to VOD (1 = next). */
  queuePositions(prefetchIds: string[]): Promise<Map<string, number>>;
  /** How many calls to VOD wait in an account's queue (being sent included). */
  queued(account: string): Promise<number>;
  quotaUsed(account: string, quotaDay: string): Promise<number>;

  // The outbox, oldest first. Every update of a send is fenced by its claim token, and no answer
  // moves a task out of a state that has ended.
  /** Pending tasks of an account that may be sent now, row id above `afterRowId`, oldest first. */
  pendingTasks(
    account: string,
    limit: number,
    afterRowId: number,
    now: number,
  ): Promise<OutboxTask[]>;
  /**
   * Takes a pending task for sending, moving its units to today's quota day if it was queued on
   * an earlier one. When today has no room, its earlier day's units are given back (VOD never
   * counted it there) and it waits, holding none, for a day that has.
   */
  claimTask(rowId: number, claim: Claim): Promise<ClaimResult>;
  /** Gives back a claim whose call surely never reached VOD (unreachable, throttled, refused). */
  releaseClaim(rowId: number, token: string, now: number): Promise<void>;
  /**
   * VOD accepted the call. Recorded under the claim, or, if the claim lapsed and the task went
   * back to the queue unsent, anyway (VOD has it: it must not be sent again). False when the
   * task has moved on (re-sent under another claim, or ended): the caller logs VOD's task id.
   */
  markAccepted(
    task: Pick<OutboxTask, 'rowId' | 'prefetchId'>,
    token: string,
    taskId: string,
    now: number,
    firstPollAt: number,
  ): Promise<boolean>;
  /** VOD refused the call: the task fails and its quota is given back. False: claim lost. */
  markRejected(
    rowId: number,
    token: string,
    error: TaskError,
    now: number,
  ): Promise<boolean>;
  /**
   * The call may or may not have reached VOD (timeout, reset, 5xx). It is queued once more as a
   * possible duplicate; a second such outcome fails it, keeping its quota spent. False: claim
   * lost.
   */
  markUncertain(
    rowId: number,
    token: string,
    error: TaskError,
    now: number,
  ): Promise<boolean>;
  /**
   * Recovers claims past their lease, as markUncertain would (their process died mid-call), but
   * not to be sent again for `graceMs`: a late acceptance by their sender can still be recorded.
   */
  recoverInterruptedClaims(now: number, graceMs: number): Promise<number>;
  /**
   * Gives up tasks that were never sent (pending, and never claimed for a send that may have
   * reached VOD): they end with `status` and `error`, and their quota is given back. With
   * `forgetKey`, the idempotency keys of prefetches left with nothing sent are forgotten, so a
   * retry starts afresh. With `failResent`, tasks queued again after a send VOD may have
   * received are given up too, as `VOD_NO_ANSWER`, their quota kept. Returns how many unsent
   * tasks were given up.
   */
  failUnsentTasks(
    which: UnsentTasks,
    outcome: UnsentOutcome,
    now: number,
  ): Promise<number>;

  // Following VOD tasks.
  dueForPolling(now: number, limit: number): Promise<OpenTask[]>;
  /**
   * Stores VOD's per-URL answer for a processing task; a task is `processing` until every URL has
   * ended. Without `nextPollAt` the poll schedule is left as it was.
   */
  recordPoll(
    rowId: number,
    results: PrefetchUrlResult[],
    now: number,
    nextPollAt?: number,
  ): Promise<void>;
  /** A poll failed; try again at `nextPollAt`. */
  deferPoll(rowId: number, nextPollAt: number, now: number): Promise<void>;
  /** VOD never reported an end in time. */
  markExpired(rowId: number, now: number): Promise<void>;

  /**
   * Calls `listener` after each committed change of prefetches' states, and for each prefetch
   * recorded (best effort: an announcement may be lost, never made before its commit).
   */
  onChange(listener: (changes: PrefetchChange[]) => void): void;

  /**
   * The value shared by every instance under `name`: the first caller's `make()`, kept for good.
   */
  sharedValue(name: string, make: () => string): Promise<string>;

  // The account's rate, shared by replicas (callSlotsSql).
  /**
   * Numbers the next call to VOD of an account's operation (after the last number taken), if the
   * call `limit` numbers before it started at least `windowMs` ago; otherwise says how long to
   * wait (at most `windowMs`).
   */
  takeCallSlot(request: CallSlotRequest): Promise<CallSlotResult>;
  /** A numbered call ended well after its grant: it counts from `startedAt` (its end). */
  moveCallSlot(
    account: string,
    operation: string,
    seq: number,
    startedAt: number,
  ): Promise<void>;
  /** A numbered call that was not made: its place in the window is free again. */
  releaseCallSlot(
    account: string,
    operation: string,
    seq: number,
  ): Promise<void>;

  // Housekeeping.
  /** Forgets idempotency keys past their expiry. */
  pruneIdempotencyKeys(now: number): Promise<number>;
  /** Forgets the calls that started before `before` (each account's last stays). */
  pruneCallSlots(before: number): Promise<number>;
  /** Deletes up to `limit` ended prefetches last changed before `endedBefore`. */
  prunePrefetches(endedBefore: number, limit: number): Promise<number>;
}
