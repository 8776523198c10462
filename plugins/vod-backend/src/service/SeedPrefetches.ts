import { createHash } from 'node:crypto';
import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import type {
  PrefetchUrlResult,
  VodCreatePrefetchRequest,
} from '@mediaops/backstage-plugin-vod-common';
import type { Request } from 'express';
import { isTerminal, NO_ANSWER_CODE, NOT_SENT_CODE } from '../database/status';
import type { TaskState, VodStore } from '../database/VodStore';
import type { VodConfig } from './config';
import type { Dispatcher } from './Dispatcher';
import { refuse } from './errors';
import type { PrefetchAccess } from './PrefetchAccess';
import type { PrefetchService } from './PrefetchService';
import type { VodAccount, VodAccounts } from './VodAccounts';

/** How a seed create ended for its caller. */
export type SeedCreateOutcome =
  /** 202 with VOD's task id. */
  | { kind: 'accepted'; taskId: string }
  /** VOD refused the call: its own code and message. */
  | { kind: 'rejected'; code: string; message: string }
  /**
   * Not sent within the wait: given up, quota back; retrying is safe. `problem`: the account
   * cannot reach VOD at all (e.g. its credentials are refused).
   */
  | {
      kind: 'not-sent';
      prefetchId: string;
      retryAfterMs: number;
      problem?: { code: string; message: string };
    }
  /** Sent, answer not known yet: the same call again answers with the task id. */
  | { kind: 'in-doubt'; prefetchId: string }
  /** Sent twice without an answer: VOD may hold it; it is never sent again. */
  | { kind: 'no-answer'; prefetchId: string; message: string };

/** Longest pause between two looks at a waited-for task (another replica may send it). */
const RECHECK_MS = 500;

/**
 * VOD's own contract, `POST|GET /v1.0/{project_id}/asset/preheating`, on top of the portal's
 * prefetches. A seed create is an ordinary prefetch (same checks, quota, outbox and dispatcher)
 * whose caller waits, at most `seedRoutes.maxWait`, for the dispatcher's send. Every answer but
 * a 202 either means nothing was or will be sent, or that the same call again gets the task id:
 * each call is idempotent (its Idempotency-Key, or else its body, for `seedRoutes.retryWindow`),
 * so a client retrying on 5xx, as Huawei's SDKs do, never prefetches twice.
 */
export class SeedPrefetches {
  /** Live VOD queries under way, per task id: concurrent readers share one. */
  private readonly liveQueries = new Map<
    string,
    {
      promise: Promise<PrefetchUrlResult[]>;
      controller: AbortController;
      readers: number;
    }
  >();

  constructor(
    private readonly deps: {
      service: PrefetchService;
      store: VodStore;
      dispatcher: Dispatcher;
      accounts: VodAccounts;
      access: PrefetchAccess;
      config: VodConfig;
      now: () => number;
    },
  ) {}

  /** The account whose project id is in the path. */
  account(projectId: string): VodAccount {
    const account = this.deps.accounts.byProjectId(projectId);
    if (!account) throw refuse.noProjectAccount(projectId);
    return account;
  }

  async create(
    account: VodAccount,
    body: VodCreatePrefetchRequest & { asset_id?: string; urls?: string[] },
    credentials: BackstageCredentials,
    options: {
      idempotencyKey?: string;
      request?: Request;
      signal: AbortSignal;
    },
  ): Promise<SeedCreateOutcome> {
    const { config } = this.deps;
    const idempotency = options.idempotencyKey
      ? { key: options.idempotencyKey }
      : {
          key: `seed:${createHash('sha256')
            .update(JSON.stringify([account.config.projectId, body]))
            .digest('hex')}`,
          ttlMs: config.seedRoutes.retryWindowMs,
        };
    const { prefetch, replayed } = await this.deps.service.create(
      {
        account: account.config.name,
        assetId: body.asset_id,
        urls: body.urls,
      },
      credentials,
      { idempotency, request: options.request },
    );
    return this.outcomeOf(prefetch.id, account, options.signal, replayed);
  }

  /**
   * Waits for the dispatcher to send the prefetch's one task. Past the wait (or when the caller
   * leaves), a task still unsent is given up, quota back; one being sent is left to finish.
   */
  private async outcomeOf(
    prefetchId: string,
    account: VodAccount,
    signal: AbortSignal,
    replayed: boolean,
  ): Promise<SeedCreateOutcome> {
    const { store, dispatcher, now, config } = this.deps;
    const deadline = now() + config.seedRoutes.maxWaitMs;
    // A prefetch recorded just now is still queued: wait for the dispatcher before looking.
    for (let look = replayed; ; look = true) {
      if (look) {
        const [state] = await store.taskStates(prefetchId);
        const decided = decide(state, prefetchId);
        if (decided) return decided;
      }
      const left = deadline - now();
      if (left <= 0 || signal.aborted) break;
      const outcome = await dispatcher.nextOutcome(
        prefetchId,
        Math.min(left, RECHECK_MS),
        signal,
      );
      if (outcome?.kind === 'accepted') {
        return { kind: 'accepted', taskId: outcome.taskId };
      }
      if (outcome?.kind === 'rejected') {
        return {
          kind: 'rejected',
          code: outcome.code,
          message: outcome.message,
        };
      }
    }
    const givenUp = await store.failUnsentTasks(
      { prefetchId },
      {
        status: 'failed',
        error: {
          code: NOT_SENT_CODE,
          message: `not sent to VOD within ${
            config.seedRoutes.maxWaitMs / 1000
          } s of being asked for on the seed route; nothing was sent and the quota was given back`,
        },
        forgetKey: true,
      },
      now(),
    );
    if (givenUp > 0) {
      const perCall = 60_000 / account.config.createsPerMinute;
      const problem = this.deps.accounts.problemOf(account.config.name);
      return {
        kind: 'not-sent',
        prefetchId,
        retryAfterMs: Math.max(account.client.expectedCreateWait(), perCall),
        ...(problem && {
          problem: { code: problem.code, message: problem.message },
        }),
      };
    }
    const [state] = await store.taskStates(prefetchId);
    return decide(state, prefetchId) ?? { kind: 'in-doubt', prefetchId };
  }

  /**
   * The seed query, answered from the database, which the poller keeps fresh. Only when a task's
   * data is older than `seedRoutes.queryMaxAge` is VOD asked: one live query per task at a time,
   * and only in a query slot free at once with half the account's query rate left for the
   * poller. If VOD cannot be asked, the last known data is the answer.
   */
  async query(
    account: VodAccount,
    taskId: string,
    credentials: BackstageCredentials,
    signal: AbortSignal,
  ): Promise<{ task_id: string; preheating_results: PrefetchUrlResult[] }> {
    const { store, access, now, config } = this.deps;
    const task = await store.findVodTask(account.config.name, taskId);
    if (!task) throw refuse.noVodTask(taskId);
    const readable = await access.readAccess(task, credentials);
    if (readable === 'hidden') throw refuse.noVodTask(taskId);
    if (readable === 'denied') throw refuse.mayNotRead(task.entityRef);
    const fresh =
      isTerminal(task.status) ||
      (task.polledAt !== undefined &&
        now() - task.polledAt < config.seedRoutes.queryMaxAgeMs);
    let results = task.results;
    if (!fresh) {
      try {
        results = await this.liveQuery(account, task.rowId, taskId, signal);
      } catch (error) {
        if (task.polledAt === undefined) throw error;
      }
    }
    return { task_id: taskId, preheating_results: results };
  }

  /**
   * One live query per task, shared by the readers waiting for it; it is given up (and its rate
   * slot wait with it) once every one of them has left.
   */
  private liveQuery(
    account: VodAccount,
    rowId: number,
    taskId: string,
    signal: AbortSignal,
  ): Promise<PrefetchUrlResult[]> {
    let query = this.liveQueries.get(taskId);
    if (!query) {
      const controller = new AbortController();
      const promise = (async () => {
        const answer = await account.client.queryPrefetch(taskId, {
          signal: controller.signal,
          spareOnly: true,
        });
        const results = answer.preheating_results.map(r => ({
          url: r.url,
          status: r.status,
        }));
        await this.deps.store.recordPoll(rowId, results, this.deps.now());
        return results;
      })().finally(() => this.liveQueries.delete(taskId));
      query = { promise, controller, readers: 0 };
      this.liveQueries.set(taskId, query);
    }
    const shared = query;
    shared.readers++;
    signal.addEventListener(
      'abort',
      () => {
        if (--shared.readers === 0) shared.controller.abort(signal.reason);
      },
      { once: true },
    );
    return shared.promise;
  }
}

/** A seed create's answer from its task's state, once there is one. */
function decide(
  state: TaskState | undefined,
  prefetchId: string,
): SeedCreateOutcome | undefined {
  if (!state) return { kind: 'not-sent', prefetchId, retryAfterMs: 0 };
  if (state.taskId) return { kind: 'accepted', taskId: state.taskId };
  if (state.status !== 'failed' && state.status !== 'expired') return undefined;
  const error = state.error ?? { code: 'UNKNOWN', message: 'failed' };
  if (error.code === NO_ANSWER_CODE) {
    return { kind: 'no-answer', prefetchId, message: error.message };
  }
  if (error.code === NOT_SENT_CODE || state.status === 'expired') {
    return { kind: 'not-sent', prefetchId, retryAfterMs: 0 };
  }
  return { kind: 'rejected', code: error.code, message: error.message };
}
