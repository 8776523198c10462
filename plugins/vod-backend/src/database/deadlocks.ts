// Transactions a deadlock rolled back, tried again.

/** Whether `error` is the database rolling a transaction back for a deadlock (or a busy SQLite). */
export function isDeadlock(error: unknown): boolean {
  const code = (error as { code?: string | number })?.code;
  return (
    code === '40P01' || // PostgreSQL deadlock
    code === '40001' || // PostgreSQL serialization failure
    code === 'ER_LOCK_DEADLOCK' ||
    code === 'SQLITE_BUSY'
  );
}

/**
 * Runs `run` (a whole transaction), and again after a deadlock rolled it back: 4 times at most.
 * Each retry waits 5–50 ms at random, so that two replicas that deadlocked do not meet again in
 * step.
 */
export async function withDeadlockRetries<T>(
  run: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= 4 || !isDeadlock(error)) throw error;
      await new Promise(resolve => setTimeout(resolve, 5 + Math.random() * 45));
    }
  }
}
