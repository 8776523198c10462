import { z } from 'zod';
import type { Route } from './http';
import type { FaultOptions, QueuedFault } from './options';
import type { SeededRandom } from './random';

const routes = z.array(z.enum(['create', 'query', 'iam'])).optional();

/** The body of `PUT /admin/faults`. */
export const faultOptionsSchema = z.strictObject({
  rate5xx: z.number().min(0).max(1).optional(),
  rate429: z.number().min(0).max(1).optional(),
  resetRate: z.number().min(0).max(1).optional(),
  timeoutRate: z.number().min(0).max(1).optional(),
  timeoutMs: z.number().nonnegative().optional(),
  latencyMs: z
    .union([
      z.number().nonnegative(),
      z.tuple([z.number().nonnegative(), z.number().nonnegative()]),
    ])
    .optional(),
  slowBodyMs: z.number().nonnegative().optional(),
  routes,
});

/** One fault of `POST /admin/faults/queue`. */
export const queuedFaultSchema = z
  .strictObject({
    kind: z.enum([
      '500',
      '503',
      '429',
      'reset-before',
      'reset-after',
      'slow-body',
      'timeout',
    ]),
    route: z.enum(['create', 'query', 'iam']).optional(),
    assetId: z.string().min(1).optional(),
    delayMs: z.number().nonnegative().optional(),
  })
  // Only a create names an asset: another route's fault for one would wait forever.
  .refine(f => !f.assetId || !f.route || f.route === 'create', {
    message: 'assetId goes with route create',
    path: ['assetId'],
  });

/** The faults the simulator plays: one-shot ones queued first, then probabilistic ones. */
export class Faults {
  current: FaultOptions;
  readonly queued: QueuedFault[] = [];

  constructor(
    private readonly initial: FaultOptions,
    private readonly random: () => SeededRandom,
  ) {
    this.current = { ...initial };
  }

  reset() {
    this.queued.length = 0;
    this.current = { ...this.initial };
  }

  /** The fault of the next call on `route` (a create: of `assetId`), if any. */
  take(route: Route, assetId?: string): QueuedFault | undefined {
    const index = this.queued.findIndex(
      f =>
        (!f.route || f.route === route) &&
        (!f.assetId || (route === 'create' && f.assetId === assetId)),
    );
    if (index >= 0) return this.queued.splice(index, 1)[0];
    if (!this.appliesTo(route)) return undefined;
    const random = this.random();
    if (random.chance(this.current.rate5xx)) return { kind: '503' };
    if (random.chance(this.current.rate429)) return { kind: '429' };
    if (random.chance(this.current.resetRate)) return { kind: 'reset-before' };
    if (random.chance(this.current.timeoutRate)) return { kind: 'timeout' };
    return undefined;
  }

  /** How long the call on `route` waits before it is handled. */
  latencyMs(route: Route): number {
    const { latencyMs } = this.current;
    return latencyMs && this.appliesTo(route)
      ? this.random().between(latencyMs)
      : 0;
  }

  /** How long the answer of a call with a `timeout` fault is held. */
  timeoutMs(): number {
    return this.current.timeoutMs ?? 30_000;
  }

  /** How late the second half of the answer's body comes, for the probabilistic faults. */
  slowBodyMs(route: Route): number {
    return this.current.slowBodyMs && this.appliesTo(route)
      ? this.current.slowBodyMs
      : 0;
  }

  private appliesTo(route: Route): boolean {
    return (
      !this.current.routes || this.current.routes.includes(route as 'create')
    );
  }
}
