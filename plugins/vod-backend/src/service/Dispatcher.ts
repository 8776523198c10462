import type { OutboxTask, VodStore } from '../database/VodStore';
import { VodRequestError } from '../huaweicloud/VodRequestError';
import type { VodAccounts } from './VodAccounts';

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
   * Sends one prefetch's pending tasks now and waits for VOD's answers (the seed-compatible route
   * answers with VOD's task id). A task another dispatcher is sending is waited for.
   */
  async sendNow(prefetchId: string, timeoutMs: number): Promise<void> {
    let allSentHere = true;
    for (const task of await this.options.store.pendingTasksOf(prefetchId)) {
      allSentHere = (await this.send(task)) === 'sent' && allSentHere;
    }
    if (allSentHere) return;
    const deadline = this.options.now() + timeoutMs;
    while (this.options.now() < deadline) {
      const prefetch = await this.options.store.getPrefetch(prefetchId);
      if (!prefetch?.tasks?.some(t => t.status === 'pending' && !t.error))
        return;
      await new Promise(resolve => setTimeout(resolve, 50));
    }
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
        if ((await this.send(task)) === 'deferred') return;
      }
    }
  }

  private async send(
    task: OutboxTask,
  ): Promise<'sent' | 'deferred' | 'skipped'> {
    const { store, accounts, now, logger } = this.options;
    const account = accounts.get(task.account);
    if (!account) {
      await store.markRejected(
        task.rowId,
        {
          code: 'VOD_ACCOUNT_REMOVED',
          message: `account ${task.account} is no longer configured`,
        },
        now(),
      );
      return 'skipped';
    }
    await account.client.reserveCreateSlot();
    if (!(await store.claimTask(task.rowId, now()))) {
      return 'skipped'; // another dispatcher took it
    }
    const target = task.urls ? { urls: task.urls } : { assetId: task.assetId! };
    try {
      const { taskId } = await account.client.createPrefetch(target, {
        slotReserved: true,
      });
      await store.markAccepted(
        task.rowId,
        taskId,
        now(),
        now() + this.options.firstPollDelayMs,
      );
      return 'sent';
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
        return 'deferred';
      }
      if (error.kind === 'http' && (error.httpStatus ?? 0) < 500) {
        // VOD (or its gateway) refused the call: it did nothing, so the quota goes back.
        await store.markRejected(task.rowId, reason, now());
        return 'sent';
      }
      logger.warn(
        `vod: prefetch ${task.prefetchId} may or may not have reached VOD: ${error.message}`,
      );
      await store.markUncertain(task.rowId, reason, now());
      return 'sent';
    }
  }
}
