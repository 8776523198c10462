// Waiting between sends after API Gateway throttled one (see Dispatcher.drain).
import { setTimeout as wait } from 'node:timers/promises';

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return wait(ms, undefined, { signal }).catch(() => {});
}

/** Waits after API Gateway throttled a send: 1 s, doubled each time, 0 (give up) past 16 s. */
export function nextBackoff(ms: number): number {
  const next = ms ? ms * 2 : 1_000;
  return next > 16_000 ? 0 : next;
}
