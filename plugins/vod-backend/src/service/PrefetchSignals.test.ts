import { PrefetchSignals } from './PrefetchSignals';

function recorder() {
  const sent: Array<{
    channel: string;
    message: unknown;
    recipients: unknown;
  }> = [];
  const signals = {
    publish: jest.fn(async (signal: any) => {
      sent.push({
        channel: signal.channel,
        message: signal.message,
        recipients: signal.recipients,
      });
    }),
  };
  return { sent, signals };
}

/** A store's shared values, as one database holds them for every instance. */
function sharedValues() {
  const values = new Map<string, string>();
  return {
    sharedValue: async (name: string, make: () => string) => {
      if (!values.has(name)) values.set(name, make());
      return values.get(name)!;
    },
  };
}

describe('PrefetchSignals', () => {
  it('gathers changes into one signal per entity, latest state each, and a bare one for all', async () => {
    const { sent, signals } = recorder();
    const out = await PrefetchSignals.create({
      signals,
      logger: { warn: jest.fn() },
      store: sharedValues(),
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
        message: {},
        recipients: { type: 'broadcast' },
      },
      {
        channel: out.entityChannel('resource:default/trailer'),
        message: { prefetches: [{ id: 'p1', status: 'processing' }] },
        recipients: { type: 'broadcast' },
      },
      {
        channel: out.entityChannel('resource:default/doc'),
        message: { prefetches: [{ id: 'p3', status: 'failed' }] },
        recipients: { type: 'broadcast' },
      },
    ]);
  });

  it('names entity channels so that they cannot be guessed from the ref, alike on every instance', async () => {
    const store = sharedValues();
    const options = { signals: recorder().signals, logger: { warn() {} } };
    const one = await PrefetchSignals.create({ ...options, store });
    const other = await PrefetchSignals.create({ ...options, store });
    const elsewhere = await PrefetchSignals.create({
      ...options,
      store: sharedValues(),
    });
    const channel = one.entityChannel('resource:default/trailer');
    expect(channel).toMatch(/^vod:prefetches:[A-Za-z0-9_-]{22}$/);
    expect(channel).not.toContain('trailer');
    expect(other.entityChannel('resource:default/trailer')).toBe(channel);
    expect(one.entityChannel('Resource:default/Trailer')).toBe(channel);
    expect(one.entityChannel('resource:default/doc')).not.toBe(channel);
    expect(elsewhere.entityChannel('resource:default/trailer')).not.toBe(
      channel,
    );
  });

  it('sends on its own after the interval, one batch at a time, and logs a failed publish instead of throwing', async () => {
    const warn = jest.fn();
    let release: () => void = () => {};
    const signals = {
      publish: jest
        .fn()
        .mockImplementationOnce(
          () =>
            new Promise<void>((_, reject) => {
              release = () => reject(new Error('bus down'));
            }),
        )
        .mockResolvedValue(undefined),
    };
    const out = await PrefetchSignals.create({
      signals,
      logger: { warn },
      store: sharedValues(),
      intervalMs: 5,
    });
    out.changed([{ id: 'p1', status: 'pending' }]);
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(signals.publish).toHaveBeenCalledTimes(1);
    // While that publish hangs, later changes wait for it.
    out.changed([{ id: 'p2', status: 'pending' }]);
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(signals.publish).toHaveBeenCalledTimes(1);
    release();
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(warn).toHaveBeenCalledWith(
      'could not signal prefetch changes: Error: bus down',
    );
    expect(signals.publish).toHaveBeenCalledTimes(2);
    await out.stop();
  });
});
