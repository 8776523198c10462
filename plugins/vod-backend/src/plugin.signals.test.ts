import { createServiceFactory } from '@backstage/backend-plugin-api';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { auth, startHarness } from './__testUtils__/harness';

jest.setTimeout(30_000);

describe('signals', () => {
  it("publishes every state change of a prefetch on its entity's channel, which only its readers are told, and a bare signal for all", async () => {
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
      const list = (who: Record<string, string>, query: string) =>
        h.http().get(`/api/vod/prefetches?${query}`).set(who);
      const trailer = 'entityRef=resource%3Adefault%2Ftrailer';
      const { channel } = (await list(auth.trailerOwner, trailer)).body;
      expect(channel).toMatch(/^vod:prefetches:[A-Za-z0-9_-]{22}$/);
      expect((await list(auth.allowed, trailer)).body.channel).toBe(channel);
      // Not to those who may not read the entity's prefetches, or not see the entity.
      expect(
        (
          await list(
            auth.trailerOwner,
            'entityRef=resource%3Adefault%2Fdocumentary',
          )
        ).body.channel,
      ).toBeUndefined();
      expect((await list(auth.denied, trailer)).body.channel).toBeUndefined();
      expect((await list(auth.blind, trailer)).body.channel).toBeUndefined();
      expect((await list(auth.allowed, '')).body.channel).toBe(
        'vod:prefetches',
      );

      const res = await h.createPrefetch(auth.allowed, {
        entityRef: 'resource:default/trailer',
      });
      await h.waitFor(res.body.id, s => s === 'succeeded');
      await new Promise(resolve => setTimeout(resolve, 300)); // the last batch
      const seen = published
        .filter(p => p.channel === channel)
        .flatMap(p => p.message.prefetches)
        .filter((p: any) => p.id === res.body.id)
        .map((p: any) => p.status);
      // Changes within one batch (100 ms) are sent once, in their latest state.
      expect(['pending', 'processing']).toContain(seen[0]);
      expect(seen[seen.length - 1]).toBe('succeeded');
      expect(seen.length).toBeGreaterThanOrEqual(2);
      const bare = published.filter(p => p.channel === 'vod:prefetches');
      expect(bare.length).toBeGreaterThanOrEqual(seen.length);
      expect(bare.every(p => JSON.stringify(p.message) === '{}')).toBe(true);
    } finally {
      await h.stop();
    }
  });
});
