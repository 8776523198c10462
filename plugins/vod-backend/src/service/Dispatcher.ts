import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { OutboxTask, VodStore } from '../database/VodStore';
import { VodRequestError } from '../huaweicloud/VodRequestError';
import type { QuotaLedger } from '../quota/QuotaLedger';
import { nextBackoff, sleep } from './throttleBackoff';
import {
  refusalProblem,
  type VodAccount,
  type VodAccounts,
} from './VodAccounts';

/** What became of one attempt to send a task. */
export type SendOutcome =
  | { kind: 'accepted'; taskId: string }
  /** VOD refused it; the task failed and its quota went back. */
  | { kind: 'rejected'; code: string; message: string }
  /**
   * It may or may not have reached VOD: queued once more as a possible duplicate (failed, if it
   * already was one).
   */
  | { kind: 'uncertain'; code: string; message: string }
  /**
   * It surely did not reach VOD (unreachable, throttled, credentials refused, account not
   * configured); still queued.
   */
  | { kind: 'deferred'; code: string; message: string; throttled?: boolean }
  /** Queued on an earlier quota day, and today's quota has no room for it; still queued. */
  | { kind: 'over-quota' }
  /** Someone else had taken it, or it was given up meanwhile. */
  | { kind: 'skipped' };

export interface DispatcherOptions {
  store: VodStore;
  accounts: VodAccounts;
  /** Whose quota day a send counts on. */
  quota: QuotaLedger;
  logger: {
    info(message: string): void;
    warn(message: string): void;
    error(message: string, error?: Error): void;
  };
  now: () => number;
  /** First poll of an accepted task, after this long. */
  firstPollDelayMs: number;
  /** How long a claim covers its call (see VodConfig.claimLeaseMs). */
  claimLeaseMs: number;
  /** Queued tasks of prefetches older than this are given up (their quota goes back). */
  queueTimeoutMs: number;
  /** Waits between tries to record an acceptance while the database fails; default 100 ms up. */
  recordRetryMs?: number;
}

/** Thrown by the claim hook: the task could not be claimed, so nothing is sent. */
class NotClaimed extends Error {
  constructor(readonly reason: 'taken' | 'over-quota') {
    super(reason);
  }
}

/**
 * The only sender of VOD creates. Per account it sends the outbox oldest task first, one call at
 * a time at the account's rate (the client's create limiter). A task is claimed right before its
 * call is written, with a token and a lease covering that one call; every later update of the
 * send names the token, so a late answer never overwrites what recovery or another replica did.
 * `sweep()` (scheduled) recovers claims past their lease and gives up tasks queued too long.
 */
export class Dispatcher {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly outcomes = new EventEmitter();
  private readonly stopping = new AbortController();

  constructor(private readonly options: DispatcherOptions) {
    this.outcomes.setMaxListeners(0);
  }

  /**
   * Starts draining an account's outbox in the background (again, once more, if it is draining
   * now). The promise settles when this run ends; it never rejects.
   */
  wake(account: string): Promise<void> {
    if (this.stopping.signal.aborted) return Promise.resolve();
    const current = this.running.get(account);
    if (current) {
      this.again.add(account);
      return current;
    }
    const run = this.drain(account)
      .catch(error =>
        this.options.logger.error(
          `dispatch for account ${account} failed`,
          error,
        ),
      )
      .finally(() => {
        this.running.delete(account);
        if (this.again.delete(account)) void this.wake(account);
      });
    this.running.set(account, run);
    return run;
  }

  /** Recovers interrupted calls, gives up stale queued work, then drains every account. */
  async sweep(): Promise<void> {
    const { store, logger, now, queueTimeoutMs, claimLeaseMs } = this.options;
    // A recovered task waits one more lease before it is sent again, so that a sender that got
    // VOD's answer but could not record it yet still can.
    const recovered = await store.recoverInterruptedClaims(now(), claimLeaseMs);
    if (recovered > 0) {
      logger.warn(
        `${recovered} call(s) to VOD were in flight when their sender stopped; queued again, to be sent once more as possible duplicates`,
      );
    }
    const expired = await store.failUnsentTasks(
      { createdBefore: now() - queueTimeoutMs },
      {
        status: 'expired',
        error: {
          code: 'VOD_QUEUE_EXPIRED',
          message: `not sent to VOD within ${Math.round(
            queueTimeoutMs / 60_000,
          )} minutes of being asked for; nothing was sent and the quota was given back`,
        },
        failResent: true,
      },
      now(),
    );
    if (expired > 0) {
      logger.warn(`${expired} queued prefetch task(s) were given up unsent`);
    }
    for (const account of this.options.accounts.names())
      void this.wake(account);
  }

  /**
   * Resolves with the next outcome recorded for the prefetch by this process, or undefined after
   * `ms` (or on abort). Callers re-read the store either way: another replica may have sent it.
   */
  nextOutcome(
    prefetchId: string,
    ms: number,
    signal?: AbortSignal,
  ): Promise<SendOutcome | undefined> {
    return new Promise(resolve => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const listener = (outcome?: SendOutcome) => {
        clearTimeout(timer);
        this.outcomes.off(prefetchId, listener);
        signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      function onAbort() {
        listener();
      }
      timer = setTimeout(listener, Math.max(0, ms));
      this.outcomes.on(prefetchId, listener);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Stops sending and waits for the calls under way (shutdown, tests). */
  async stop(): Promise<void> {
    this.stopping.abort(new Error('the vod plugin is stopping'));
    await Promise.all(this.running.values());
  }

  /**
   * Sends an account's queued tasks in order. A task that cannot go yet (quota day full) is
   * passed over; one API Gateway throttles is tried again after a backoff; VOD unreachable or
   * refusing the credentials, or throttling past the backoff, ends the run (the next sweep or
   * wake-up tries again). A task queued again as a possible duplicate is sent in a new pass.
   */
  private async drain(account: string): Promise<void> {
    let throttledMs = 0;
    for (let pass = 0; pass < 2; pass++) {
      let after = 0;
      let requeued = false;
      for (;;) {
        const tasks = await this.options.store.pendingTasks(
          account,
          20,
          after,
          this.options.now(),
        );
        if (tasks.length === 0) break;
        for (const task of tasks) {
          if (this.stopping.signal.aborted) return;
          const outcome = await this.send(task);
          this.outcomes.emit(task.prefetchId, outcome);
          if (outcome.kind === 'deferred') {
            // Throttled by API Gateway: wait a little and go on from this task, backing off up
            // to a limit; anything else (VOD unreachable, credentials) waits for the sweep.
            throttledMs = outcome.throttled ? nextBackoff(throttledMs) : 0;
            if (!throttledMs) return;
            await sleep(throttledMs, this.stopping.signal);
            break;
          }
          throttledMs = 0;
          after = task.rowId;
          if (outcome.kind === 'uncertain') requeued = true;
        }
      }
      if (!requeued) return;
    }
  }

  /**
   * Sends one task. An IAM token VOD refuses has been forgotten by the client: the task is tried
   * once more at once, with a new token, before the refusal counts.
   */
  private async send(task: OutboxTask): Promise<SendOutcome> {
    const outcome = await this.sendOnce(task, true);
    return outcome.kind === 'deferred' && outcome.tokenRefused
      ? this.sendOnce(task, false)
      : outcome;
  }

  private async sendOnce(
    task: OutboxTask,
    firstTry: boolean,
  ): Promise<SendOutcome & { tokenRefused?: boolean }> {
    const { store, accounts, now, logger } = this.options;
    const account = accounts.get(task.account);
    if (!account) {
      // Not configured here (removed, or not yet added during a rolling deploy): it stays
      // queued for a replica or a config that has it, and is given up at the queue timeout.
      // (Told once per run: the run ends here.)
      logger.warn(
        `prefetch tasks of account ${task.account} are not sent: the account is not configured on this replica`,
      );
      return {
        kind: 'deferred',
        code: 'VOD_ACCOUNT_NOT_CONFIGURED',
        message: `account ${task.account} is not configured on this replica`,
      };
    }
    const token = randomUUID();
    let claimed = false;
    try {
      const { taskId } = await account.client.createPrefetch(
        task.urls ? { urls: task.urls } : { assetId: task.assetId! },
        {
          signal: this.stopping.signal,
          beforeSend: async () => {
            const result = await store.claimTask(
              task.rowId,
              this.claimFor(token, account),
            );
            if (result !== 'claimed') throw new NotClaimed(result);
            claimed = true;
          },
        },
      );
      accounts.reportWorking(task.account);
      await this.recordAcceptance(task, token, taskId);
      return { kind: 'accepted', taskId };
    } catch (error) {
      if (error instanceof NotClaimed) {
        return {
          kind: error.reason === 'over-quota' ? 'over-quota' : 'skipped',
        };
      }
      if (!claimed) {
        // Nothing was written: the rate slot wait was stopped, or the credentials (an IAM token)
        // could not be had.
        return this.deferred(task, account, error, firstTry);
      }
      if (!(error instanceof VodRequestError)) {
        await store.markUncertain(
          task.rowId,
          token,
          { code: 'VOD_CALL_FAILED', message: String(error) },
          now(),
        );
        throw error;
      }
      if (!error.mayHaveReachedVod) {
        await store.releaseClaim(task.rowId, token, now());
        return this.deferred(task, account, error, firstTry);
      }
      accounts.reportWorking(task.account);
      const reason = {
        code: error.errorCode ?? error.kind,
        message: error.errorMessage ?? error.message,
      };
      if (error.kind === 'http' && (error.httpStatus ?? 0) < 500) {
        // VOD refused the call: it did nothing, so the quota goes back.
        await store.markRejected(task.rowId, token, reason, now());
        return { kind: 'rejected', ...reason };
      }
      logger.warn(
        `prefetch ${task.prefetchId} may or may not have reached VOD: ${error.message}`,
      );
      await store.markUncertain(task.rowId, token, reason, now());
      return { kind: 'uncertain', ...reason };
    }
  }

  private claimFor(token: string, account: VodAccount) {
    const { now, quota, claimLeaseMs } = this.options;
    const at = now();
    return {
      token,
      now: at,
      leaseUntil: at + claimLeaseMs,
      quotaDay: quota.dayOf(at),
      quotaLimit: account.config.dailyQuota,
    };
  }

  /** The task stays queued; a refusal of the account's credentials is an account fault. */
  private deferred(
    task: OutboxTask,
    account: VodAccount,
    error: unknown,
    firstTry: boolean,
  ): SendOutcome & { tokenRefused?: boolean } {
    const { accounts, logger, now } = this.options;
    const message = error instanceof Error ? error.message : String(error);
    const code =
      error instanceof VodRequestError
        ? error.errorCode ?? error.kind
        : 'NOT_SENT';
    if (error instanceof VodRequestError && error.refusedCredentials) {
      if (
        firstTry &&
        error.service === 'vod' &&
        account.config.auth.type === 'token'
      ) {
        return { kind: 'deferred', code, message, tokenRefused: true };
      }
      accounts.reportProblem(
        account.config.name,
        refusalProblem(error),
        error.errorMessage ?? error.message,
        now(),
      );
    } else if (!this.stopping.signal.aborted) {
      logger.warn(`prefetch ${task.prefetchId} not sent yet: ${message}`);
    }
    return {
      kind: 'deferred',
      code,
      message,
      throttled: error instanceof VodRequestError && error.isThrottled,
    };
  }

  /**
   * Records VOD's acceptance. VOD has the task now, so it must never be sent again: while the
   * database fails, the write is tried again (with VOD's task id in the log), never given up for
   * a re-send. A stop waits for it as long as a recovered claim waits before its re-send (one
   * lease); only then is it left to the log.
   */
  private async recordAcceptance(
    task: OutboxTask,
    token: string,
    taskId: string,
  ): Promise<void> {
    const { store, logger, now, firstPollDelayMs } = this.options;
    let delay = this.options.recordRetryMs ?? 100;
    let stopDeadline: number | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        const recorded = await store.markAccepted(
          task,
          token,
          taskId,
          now(),
          now() + firstPollDelayMs,
        );
        if (!recorded) {
          logger.warn(
            `VOD accepted prefetch ${task.prefetchId} as VOD task ${taskId} after its claim had lapsed and the task was sent again or had ended; VOD holds this task too`,
          );
        } else if (attempt > 1) {
          logger.info(
            `prefetch ${task.prefetchId}: VOD task ${taskId} recorded after ${attempt} tries`,
          );
        }
        return;
      } catch (error) {
        logger.error(
          `VOD accepted prefetch ${task.prefetchId} as VOD task ${taskId}, but recording it failed (try ${attempt}); trying again: ${error}`,
        );
        if (this.stopping.signal.aborted) {
          stopDeadline ??= Date.now() + this.options.claimLeaseMs;
          if (Date.now() > stopDeadline) return;
        }
        await sleep(delay);
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }
}
