import type { OpenTask, VodStore } from '../database/VodStore';
import { VodRequestError } from '../huaweicloud/VodRequestError';
import { refusalProblem, type VodAccounts } from './VodAccounts';

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
 * doubled after each poll, capped), and expires those VOD never finishes within `expireAfterMs`
 * of the call VOD accepted. `poll()` is one round; the scheduler runs it on one replica at a
 * time.
 */
export class Poller {
  /** When each account not configured here was last told of in the log. */
  private readonly toldUnknown = new Map<string, number>();

  constructor(private readonly options: PollerOptions) {}

  async poll(): Promise<number> {
    const { store, now, batchSize = 100 } = this.options;
    const due = await store.dueForPolling(now(), batchSize);
    // An account whose credentials were refused this round is not asked again until the next.
    const refused = new Set<string>();
    const unknown = new Set<string>();
    for (const task of due) {
      await this.pollTask(task, refused, unknown);
    }
    for (const account of unknown) {
      // Once every 10 minutes per account, not every round its tasks come due in.
      const told = this.toldUnknown.get(account);
      if (told !== undefined && now() - told < 10 * 60_000) continue;
      this.toldUnknown.set(account, now());
      this.options.logger.warn(
        `VOD tasks of account ${account} are not followed: it is not configured here (they expire ${Math.round(
          this.options.expireAfterMs / 60_000,
        )} minutes after their send unless a config with it comes back)`,
      );
    }
    return due.length;
  }

  private async pollTask(
    task: OpenTask,
    refused: Set<string>,
    unknown: Set<string>,
  ): Promise<void> {
    const { store, accounts, now, logger, maxDelayMs } = this.options;
    if (now() - task.sentAt > this.options.expireAfterMs) {
      await store.markExpired(task.rowId, now());
      return;
    }
    const account = accounts.get(task.account);
    if (!account) {
      // Removed, or not yet added during a rolling deploy: looked at again later, not ended.
      unknown.add(task.account);
      await store.deferPoll(task.rowId, now() + maxDelayMs, now());
      return;
    }
    const next = now() + this.delay(task.pollCount + 1);
    if (refused.has(task.account)) {
      await store.deferPoll(task.rowId, next, now());
      return;
    }
    try {
      const answer = await account.client.queryPrefetch(task.taskId);
      accounts.reportWorking(task.account);
      await store.recordPoll(
        task.rowId,
        answer.preheating_results.map(r => ({ url: r.url, status: r.status })),
        now(),
        next,
      );
    } catch (error) {
      if (error instanceof VodRequestError && error.refusedCredentials) {
        refused.add(task.account);
        accounts.reportProblem(
          task.account,
          refusalProblem(error),
          error.errorMessage ?? error.message,
          now(),
        );
      } else {
        logger.warn(
          `could not query VOD task ${task.taskId}: ${
            (error as Error).message
          }`,
        );
      }
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
