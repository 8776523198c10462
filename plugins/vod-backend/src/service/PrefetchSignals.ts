import { createHmac, randomBytes } from 'node:crypto';
import type { SignalsService } from '@backstage/plugin-signals-node';
import {
  VOD_PREFETCHES_CHANNEL,
  VodPrefetchSignal,
} from '@mediaops/backstage-plugin-vod-common';
import type { PrefetchChange, VodStore } from '../database/VodStore';

/**
 * Tells browsers that prefetches changed, so that cards and pages refetch them at once.
 *
 * Anyone signed in may subscribe to any signal channel, so channels are handed out like
 * capabilities: an entity's channel is named by an HMAC of its ref under a key every backend
 * instance shares (kept in the database), and the API gives it only to those who may read the
 * entity's prefetches; its signals carry the ids and states of that entity's prefetches. The
 * channel of all prefetches, which anyone may know, says only that something changed.
 *
 * Changes are gathered for `intervalMs` and sent as one signal per channel, one batch at a time:
 * a publish may be an HTTP call to the events bus, so it never runs on a request's path, and a
 * burst of changes costs a few signals, not one each. A lost signal costs a late refresh.
 */
/** How long a stop waits for the last signals. */
const STOP_WAIT_MS = 5_000;

export class PrefetchSignals {
  private pending = new Map<string, PrefetchChange>();
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private stopped = false;

  static async create(options: {
    signals: Pick<SignalsService, 'publish'>;
    logger: { warn(message: string): void };
    store: Pick<VodStore, 'sharedValue'>;
    intervalMs?: number;
  }): Promise<PrefetchSignals> {
    const key = await options.store.sharedValue('signal_channel_key', () =>
      randomBytes(32).toString('base64'),
    );
    return new PrefetchSignals({ ...options, key: Buffer.from(key, 'base64') });
  }

  private constructor(
    private readonly options: {
      signals: Pick<SignalsService, 'publish'>;
      logger: { warn(message: string): void };
      key: Buffer;
      intervalMs?: number;
    },
  ) {}

  /** The channel of one entity's prefetches: not to be guessed from the ref. */
  entityChannel(entityRef: string): string {
    const mac = createHmac('sha256', this.options.key)
      .update(entityRef.toLowerCase())
      .digest('base64url')
      .slice(0, 22);
    return `${VOD_PREFETCHES_CHANNEL}:${mac}`;
  }

  /** Takes changes announced by the store. */
  changed(changes: PrefetchChange[]): void {
    if (this.stopped) return;
    for (const change of changes) this.pending.set(change.id, change);
    this.schedule();
  }

  /** Sends what is gathered, and nothing more after it; gives up on a publish after 5 s. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      (async () => {
        await this.flushing;
        await this.flush();
      })(),
      new Promise(resolve => {
        timer = setTimeout(resolve, STOP_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  private schedule() {
    if (this.timer || this.flushing || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushing = this.flush().finally(() => {
        this.flushing = undefined;
        if (this.pending.size > 0) this.schedule();
      });
    }, this.options.intervalMs ?? 100);
    this.timer.unref?.();
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
    const send = (channel: string, message: VodPrefetchSignal) =>
      this.options.signals.publish({
        recipients: { type: 'broadcast' },
        channel,
        message: { ...message },
      });
    const results = await Promise.allSettled([
      send(VOD_PREFETCHES_CHANNEL, {}),
      ...[...byEntity].map(([ref, list]) =>
        send(this.entityChannel(ref), {
          prefetches: list.map(({ id, status }) => ({ id, status })),
        }),
      ),
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
