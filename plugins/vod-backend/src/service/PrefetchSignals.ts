import type { SignalsService } from '@backstage/plugin-signals-node';
import {
  VOD_PREFETCHES_CHANNEL,
  vodEntityChannel,
} from '@mediaops/backstage-plugin-vod-common';
import type { PrefetchChange } from '../database/VodStore';

/**
 * Tells browsers that prefetches changed, so that cards and pages refetch them at once. Changes
 * are gathered for `intervalMs` and sent as one signal on the channel of all prefetches and one
 * on each entity's channel: a publish may be an HTTP call to the events bus, so it never runs on
 * a request's path, and a burst of changes costs a few signals, not one each. Signals carry ids
 * and states only (anyone signed in may subscribe to any channel); a lost one costs a late
 * refresh.
 */
export class PrefetchSignals {
  private pending = new Map<string, PrefetchChange>();
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly options: {
      signals: SignalsService;
      logger: { warn(message: string): void };
      intervalMs?: number;
    },
  ) {}

  /** Takes changes announced by the store. */
  changed(changes: PrefetchChange[]): void {
    if (this.stopped) return;
    for (const change of changes) this.pending.set(change.id, change);
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.options.intervalMs ?? 100);
      this.timer.unref?.();
    }
  }

  /** Sends what is gathered, and nothing more after it. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.flush();
  }

  private async flush(): Promise<void> {
    const changes = [...this.pending.values()];
    this.pending = new Map();
    if (changes.length === 0) return;
    const byEntity = new Map<string, PrefetchChange[]>();
    for (const change of changes) {
      if (!change.entityRef) continue;
      const list = byEntity.get(change.entityRef) ?? [];
      list.push(change);
      byEntity.set(change.entityRef, list);
    }
    const send = (channel: string, list: PrefetchChange[]) =>
      this.options.signals.publish({
        recipients: { type: 'broadcast' },
        channel,
        // A VodPrefetchSignal (vod-common).
        message: {
          prefetches: list.map(({ id, status }) => ({ id, status })),
        },
      });
    const results = await Promise.allSettled([
      send(VOD_PREFETCHES_CHANNEL, changes),
      ...[...byEntity].map(([ref, list]) => send(vodEntityChannel(ref), list)),
    ]);
    const failed = results.find(r => r.status === 'rejected');
    if (failed) {
      this.options.logger.warn(
        `could not signal prefetch changes: ${
          (failed as PromiseRejectedResult).reason
        }`,
      );
    }
  }
}
