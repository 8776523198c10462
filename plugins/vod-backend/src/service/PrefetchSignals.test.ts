import { PrefetchSignals } from './PrefetchSignals';

function recorder() {
  const sent: Array<{ channel: string; message: unknown }> = [];
  const signals = {
    publish: jest.fn(async (signal: any) => {
      expect(signal.recipients).toEqual({ type: 'broadcast' });
      sent.push({ channel: signal.channel, message: signal.message });
    }),
  };
  return { sent, signals };
}

describe('PrefetchSignals', () => {
  it('gathers changes into one signal for all and one per entity, latest state each', async () => {
    const { sent, signals } = recorder();
    const out = new PrefetchSignals({
      signals,
      logger: { warn: jest.fn() },
      intervalMs: 10_000,
    });
    out.changed([
      { id: 'p1', entityRef: 'resource:default/trailer', status: 'pending' },
      { id: 'p2', status: 'pending' },
    ]);
    out.changed([
      { id: 'p1', entityRef: 'resource:default/trailer', status: 'processing' },
      { id: 'p3', entityRef: 'resource:default/doc', status: 'failed' },
    ]);
    expect(sent).toEqual([]); // nothing on the caller's path
    await out.stop();
    expect(sent).toEqual([
      {
        channel: 'vod:prefetches',
        message: {
          prefetches: [
            { id: 'p1', status: 'processing' },
            { id: 'p2', status: 'pending' },
            { id: 'p3', status: 'failed' },
          ],
        },
      },
      {
        channel: 'vod:prefetches:resource:default/trailer',
        message: { prefetches: [{ id: 'p1', status: 'processing' }] },
      },
      {
        channel: 'vod:prefetches:resource:default/doc',
        message: { prefetches: [{ id: 'p3', status: 'failed' }] },
      },
    ]);
    // A message names no entity: the channel of all prefetches is anyone's to read.
    expect(JSON.stringify(sent[0].message)).not.toContain('resource:');
  });

  it('sends on its own after the interval, and logs a failed publish instead of throwing', async () => {
    const warn = jest.fn();
    const signals = {
      publish: jest.fn().mockRejectedValue(new Error('bus down')),
    };
    const out = new PrefetchSignals({
      signals,
      logger: { warn },
      intervalMs: 5,
    });
    out.changed([{ id: 'p1', status: 'pending' }]);
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(signals.publish).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      'could not signal prefetch changes: Error: bus down',
    );
    await out.stop();
  });
});
