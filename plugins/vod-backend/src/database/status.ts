import type {
  PrefetchStatus,
  PrefetchUrlResult,
} from '@mediaops/backstage-plugin-vod-common';

/** The error of a task sent twice without an answer: VOD may hold it; it is not sent again. */
export const NO_ANSWER_CODE = 'VOD_NO_ANSWER';

/** The error of a task given up before it was sent: nothing reached VOD, the quota went back. */
export const NOT_SENT_CODE = 'PORTAL_NOT_SENT';

/** A task's state in the outbox: the API's states plus `sending` (claimed, call under way). */
export type TaskStatus = PrefetchStatus | 'sending';

/** The states a task (and a prefetch) ends in. */
export const TERMINAL_STATUSES: PrefetchStatus[] = [
  'succeeded',
  'failed',
  'partially_failed',
  'expired',
];

const TERMINAL = new Set<TaskStatus>(TERMINAL_STATUSES);

export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL.has(status);
}

/** A task's state from VOD's per-URL answer. */
export function taskStatusFromResults(
  results: PrefetchUrlResult[],
): TaskStatus {
  if (results.length === 0 || results.some(r => r.status === 'processing')) {
    return 'processing';
  }
  if (results.every(r => r.status === 'succeed')) return 'succeeded';
  if (results.every(r => r.status === 'failed')) return 'failed';
  return 'partially_failed';
}

/**
 * A prefetch's state from its tasks: `pending` until VOD accepted one of them, `processing` until
 * all have ended, then the one end they share, or `partially_failed` when they differ.
 */
export function prefetchStatusFromTasks(tasks: TaskStatus[]): PrefetchStatus {
  if (tasks.every(isTerminal)) {
    const first = tasks[0] as PrefetchStatus; // terminal, so never 'sending'
    return tasks.every(t => t === first) ? first : 'partially_failed';
  }
  if (tasks.some(t => t === 'processing' || isTerminal(t))) {
    return 'processing';
  }
  return 'pending';
}
