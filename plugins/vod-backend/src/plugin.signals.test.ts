import { createServiceFactory } from '@backstage/backend-plugin-api';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { auth, startHarness } from './__testUtils__/harness';

jest.setTimeout(30_000);

describe('signals', () => {
  it("publishes every state change of a prefetch on its entity's channel and on the channel of all", async () => {
    const published: Array<{ channel: string; message: any }> = [];
    const h = await startHarness({
      extraFeatures: [
        createServiceFactory({
          service: signalsServiceRef,
          deps: {},
          factory: () => ({
            publish: async (signal: any) => {
              published.push({
                channel: signal.channel,
                message: signal.message,
              });
            },
          }),
        }),
      ],
    });
    try {
      const res = await h
        .http()
        .post('/api/vod/prefetches')
        .set(auth.allowed)
        .send({ entityRef: 'resource:default/trailer' });
      await h.waitFor(res.body.id, s => s === 'succeeded');
      await new Promise(resolve => setTimeout(resolve, 300)); // the last batch
      const states = (channel: string) =>
        published
          .filter(p => p.channel === channel)
          .flatMap(p => p.message.prefetches)
          .filter((p: any) => p.id === res.body.id)
          .map((p: any) => p.status);
      const seen = states('vod:prefetches:resource:default/trailer');
      // Changes within one batch (100 ms) are sent once, in their latest state.
      expect(['pending', 'processing']).toContain(seen[0]);
      expect(seen[seen.length - 1]).toBe('succeeded');
      expect(seen.length).toBeGreaterThanOrEqual(2);
      expect(states('vod:prefetches')).toEqual(seen);
    } finally {
      await h.stop();
    }
  });
});
