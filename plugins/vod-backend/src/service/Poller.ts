import type { OpenTask, VodStore } from '../database/VodStore';
import type { VodAccounts } from './VodAccounts';

export interface PollerOptions {
  store: VodStore;
  accounts: VodAccounts;
  logger: { warn(message: string): void };
  now: () => number;
  initialDelayMs: number;
  maxDelayMs: number;
  expireAfterMs: number;
  /** Tasks looked at per round; default 100. */
  batchSize?: number;
}

/**
 * Follows accepted VOD tasks until every URL has ended, with a backoff per task (initial delay,
 * doubled after each poll, capped), and expires those VOD never finishes. `poll()` is one round;
 * the scheduler runs it on one replica at a time.
 */
export class Poller {
  constructor(private readonly options: PollerOptions) {}

  async poll(): Promise<number> {
    const { store, now, batchSize = 100 } = this.options;
    const due = await store.dueForPolling(now(), batchSize);
    for (const task of due) {
      await this.pollTask(task);
    }
    return due.length;
  }

  private async pollTask(task: OpenTask): Promise<void> {
    const { store, accounts, now, logger } = this.options;
    if (now() - task.createdAt > this.options.expireAfterMs) {
      await store.markExpired(task.rowId, now());
      return;
    }
    const next = now() + this.delay(task.pollCount + 1);
    const account = accounts.get(task.account);
    if (!account) {
      await store.markExpired(task.rowId, now());
      return;
    }
    try {
      const answer = await account.client.queryPrefetch(task.taskId);
      await store.recordPoll(
        task.rowId,
        answer.preheating_results.map(r => ({ url: r.url, status: r.status })),
        now(),
        next,
      );
    } catch (error) {
      logger.warn(
        `vod: could not query VOD task ${task.taskId}: ${
          (error as Error).message
        }`,
      );
      await store.deferPoll(task.rowId, next, now());
    }
  }

  private delay(polls: number): number {
    return Math.min(
      this.options.maxDelayMs,
      this.options.initialDelayMs * 2 ** Math.min(polls, 20),
    );
  }
}
