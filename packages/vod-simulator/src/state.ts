import type { ResolvedOptions, SimulatedAccount } from './options';
import { SeededRandom } from './random';

export interface SimulatedTask {
  taskId: string;
  projectId: string;
  assetId?: string;
  createdAt: number;
  urls: Array<{ url: string; doneAt: number; fails: boolean }>;
}

/** One call the simulator received (admin calls excluded). */
export interface RecordedCall {
  at: string;
  method: string;
  path: string;
  query: string;
  route: 'create' | 'query' | 'iam' | 'unknown';
  status: number;
  auth: 'aksk' | 'token' | 'none';
  accessKeyId?: string;
  projectId?: string;
  errorCode?: string;
  taskId?: string;
  /** The parsed JSON body, except IAM bodies (they hold passwords). */
  body?: unknown;
  fault?: string;
}

interface IssuedToken {
  projectId: string;
  expiresAt: number;
}

/** Everything the simulator remembers between calls. `reset()` forgets it all. */
export class SimulatorState {
  tasks = new Map<string, SimulatedTask>();
  tokens = new Map<string, IssuedToken>();
  calls: RecordedCall[] = [];
  /** Start times of recent calls per `${route}:${projectId}`, for the rolling-minute limits. */
  private windows = new Map<string, number[]>();
  /** Quota used per `${projectId}:${quotaDay}`. */
  private quotaUsed = new Map<string, number>();
  /** Milliseconds added to the clock by `POST /admin/advance`. */
  offsetMs = 0;
  random: SeededRandom;

  constructor(private readonly options: ResolvedOptions) {
    this.random = new SeededRandom(options.seed);
  }

  now(): number {
    return this.options.now() + this.offsetMs;
  }

  reset(): void {
    this.tasks.clear();
    this.tokens.clear();
    this.calls = [];
    this.windows.clear();
    this.quotaUsed.clear();
    this.offsetMs = 0;
    this.random = new SeededRandom(this.options.seed);
  }

  record(call: RecordedCall): void {
    this.calls.push(call);
    const max = this.options.maxRecordedCalls;
    if (this.calls.length > max) {
      this.calls.splice(0, this.calls.length - max);
    }
  }

  /** Counts a call against a rolling-minute limit; false when the limit is reached. */
  admitCall(route: 'create' | 'query', projectId: string): boolean {
    const limit =
      route === 'create'
        ? this.options.createsPerMinute
        : this.options.queriesPerMinute;
    const key = `${route}:${projectId}`;
    const now = this.now();
    const recent = (this.windows.get(key) ?? []).filter(t => now - t < 60_000);
    if (recent.length >= limit) {
      this.windows.set(key, recent);
      return false;
    }
    recent.push(now);
    this.windows.set(key, recent);
    return true;
  }

  /** The quota day (in the quota time zone) of a moment, as YYYY-MM-DD. */
  quotaDay(at: number): string {
    return new Date(at + this.options.quotaUtcOffsetMinutes * 60_000)
      .toISOString()
      .slice(0, 10);
  }

  /** Spends `units` of the project's daily quota; false (and nothing spent) when over. */
  spendQuota(projectId: string, units: number): boolean {
    const key = `${projectId}:${this.quotaDay(this.now())}`;
    const used = this.quotaUsed.get(key) ?? 0;
    if (used + units > this.options.dailyQuota) {
      return false;
    }
    this.quotaUsed.set(key, used + units);
    return true;
  }

  issueToken(account: SimulatedAccount): { token: string; expiresAt: number } {
    const token = `MIIsim${this.random.hexId()}${this.random.hexId()}`;
    const expiresAt = this.now() + this.options.tokenTtlMs;
    this.tokens.set(token, { projectId: account.projectId, expiresAt });
    return { token, expiresAt };
  }

  createTask(
    projectId: string,
    urls: string[],
    assetId: string | undefined,
  ): SimulatedTask {
    const now = this.now();
    const task: SimulatedTask = {
      taskId: this.random.hexId(),
      projectId,
      assetId,
      createdAt: now,
      urls: urls.map(url => ({
        url,
        doneAt: now + this.random.between(this.options.processingMs),
        fails: this.options.failingUrlPatterns.some(p => url.includes(p)),
      })),
    };
    this.tasks.set(task.taskId, task);
    return task;
  }
}
