import type { OutboxTask, VodStore } from '../database/VodStore';
import { VodRequestError } from '../huaweicloud/VodRequestError';
import type { VodAccounts } from './VodAccounts';

/** What became of one VOD call. */
export type SendOutcome =
  | { kind: 'accepted'; taskId: string }
  /** VOD refused it; the task failed and its quota went back. */
  | { kind: 'rejected'; code: string; message: string }
  /**
   * It may or may not have reached VOD: queued once more as a possible duplicate (failed, if it
   * already was one).
   */
  | { kind: 'uncertain'; code: string; message: string }
  /** It surely did not reach VOD (unreachable, throttled); back in the outbox. */
  | { kind: 'deferred'; code: string; message: string }
  /** Another dispatcher had taken it. */
  | { kind: 'skipped' };

export interface DispatcherOptions {
  store: VodStore;
  accounts: VodAccounts;
  logger: {
    info(message: string): void;
    warn(message: string): void;
    error(message: string, error?: Error): void;
  };
  now: () => number;
  /** First poll of an accepted task, after this long. */
  firstPollDelayMs: number;
  /** A task still `sending` after this long was in flight when a process died. */
  inFlightLeaseMs: number;
}

/**
 * Sends the outbox to VOD: per account, oldest task first, one call at a time at the account's
 * rate (the client's limiter). A task is claimed only once its rate slot is free, so a claim
 * means "being sent now"; `recover()` finds claims a dead process left behind.
 */
export class Dispatcher {
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(private readonly options: DispatcherOptions) {}

  /** Starts draining an account's outbox in the background, unless that already runs. */
  wake(account: string): void {
    if (this.stopped || this.running.has(account)) return;
    const run = this.drain(account)
      .catch(error =>
        this.options.logger.error(
          `vod dispatch for account ${account} failed`,
          error,
        ),
      )
      .finally(() => this.running.delete(account));
    this.running.set(account, run);
  }

  /** Re-queues interrupted calls, then drains every account. Idempotent: the scheduler runs it. */
  async sweep(): Promise<void> {
    await this.recover();
    for (const account of this.options.accounts.names()) this.wake(account);
  }

  async recover(): Promise<void> {
    const now = this.options.now();
    const count = await this.options.store.recoverInFlight(
      now,
      now - this.options.inFlightLeaseMs,
    );
    if (count > 0) {
      this.options.logger.warn(
        `vod: ${count} call(s) to VOD were in flight when a backend stopped; re-sending them once as possible duplicates`,
      );
    }
  }

  /**
   * Sends tasks the caller claimed when it recorded them (holding their rate slots), now, and
   * answers VOD's outcome for each: the seed-compatible route answers with VOD's task id.
   */
  async sendClaimed(tasks: OutboxTask[]): Promise<SendOutcome[]> {
    const outcomes: SendOutcome[] = [];
    for (const task of tasks) outcomes.push(await this.deliver(task));
    // What went back to the outbox is sent by the background drain.
    if (outcomes.some(o => o.kind === 'deferred' || o.kind === 'uncertain')) {
      this.wake(tasks[0].account);
    }
    return outcomes;
  }

  /** Waits for the running drains (shutdown, tests). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running.values());
  }

  private async drain(account: string): Promise<void> {
    while (!this.stopped) {
      const tasks = await this.options.store.pendingTasks(account, 20);
      if (tasks.length === 0) return;
      for (const task of tasks) {
        if (this.stopped) return;
        // VOD unreachable or throttling us even after retries: leave the rest for the next sweep.
        if ((await this.claimAndSend(task)).kind === 'deferred') return;
      }
    }
  }

  private async claimAndSend(task: OutboxTask): Promise<SendOutcome> {
    const { store, accounts, now } = this.options;
    const account = accounts.get(task.account);
    if (!account) {
      const reason = {
        code: 'VOD_ACCOUNT_REMOVED',
        message: `account ${task.account} is no longer configured`,
      };
      await store.markRejected(task.rowId, reason, now());
      return { kind: 'rejected', ...reason };
    }
    await account.client.reserveCreateSlot();
    if (!(await store.claimTask(task.rowId, now()))) {
      return { kind: 'skipped' }; // another dispatcher took it
    }
    return this.deliver(task);
  }

  /** The VOD call of a claimed task, and its outcome recorded. */
  private async deliver(task: OutboxTask): Promise<SendOutcome> {
    const { store, accounts, now, logger } = this.options;
    const account = accounts.get(task.account)!;
    const target = task.urls ? { urls: task.urls } : { assetId: task.assetId! };
    try {
      const { taskId } = await account.client.createPrefetch(target, {
        slotReserved: true,
      });
      await store.markAccepted(
        task,
        taskId,
        now(),
        now() + this.options.firstPollDelayMs,
      );
      return { kind: 'accepted', taskId };
    } catch (error) {
      if (!(error instanceof VodRequestError)) {
        await store.markUncertain(
          task.rowId,
          { code: 'VOD_CALL_FAILED', message: String(error) },
          now(),
        );
        throw error;
      }
      const reason = {
        code: error.errorCode ?? error.kind,
        message: error.errorMessage ?? error.message,
      };
      if (!error.mayHaveReachedVod) {
        logger.warn(
          `vod: prefetch ${task.prefetchId} not sent yet: ${error.message}`,
        );
        await store.unclaimTask(task.rowId, now());
        return { kind: 'deferred', ...reason };
      }
      if (error.kind === 'http' && (error.httpStatus ?? 0) < 500) {
        // VOD (or its gateway) refused the call: it did nothing, so the quota goes back.
        await store.markRejected(task.rowId, reason, now());
        return { kind: 'rejected', ...reason };
      }
      logger.warn(
        `vod: prefetch ${task.prefetchId} may or may not have reached VOD: ${error.message}`,
      );
      await store.markUncertain(task.rowId, reason, now());
      return { kind: 'uncertain', ...reason };
    }
  }
}
