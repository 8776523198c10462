import {
  auth,
  DOC_ASSET,
  PROJECT,
  TRAILER_ASSET,
  useHarness,
} from './__testUtils__/harness';
import { SEED_ASSET_BODY, SEED_URLS_BODY } from './__testUtils__/seedExamples';

// The seed's VOD-shaped routes with the seed's own bodies, answered as VOD answers.

jest.setTimeout(60_000);

describe('vod backend routes', () => {
  const h = useHarness();

  describe('the seed contract, verbatim', () => {
    const seed = (body: string, headers: object = auth.allowed) =>
      h
        .http()
        .post(`/api/vod/v1.0/${PROJECT}/asset/preheating`)
        .set(headers as any)
        .set('Content-Type', 'application/json')
        .send(body);

    it("takes the seed's asset example and answers VOD's task id", async () => {
      const res = await seed(SEED_ASSET_BODY);
      expect(res.status).toBe(202);
      expect(Object.keys(res.body)).toEqual(['task_id']);
      const vodCall = h.sim.calls().find(c => c.taskId === res.body.task_id)!;
      expect(vodCall.body).toEqual({ asset_id: TRAILER_ASSET });
    });

    it("takes the seed's URL example, trimmed, and the query answers VOD's result", async () => {
      const res = await seed(SEED_URLS_BODY);
      expect(res.status).toBe(202);
      const query = await h
        .http()
        .get(
          `/api/vod/v1.0/${PROJECT}/asset/preheating?task_id=${res.body.task_id}`,
        )
        .set(auth.allowed);
      expect(query.status).toBe(200);
      expect(query.body.preheating_results.map((r: any) => r.url)[0]).toBe(
        'https://example.com/asset/9db42f5e08c15edecd99a98da241994a/313bfd52a75f95ff48e8bf02eca2ab20.flv',
      );
    });

    it.each([
      [
        'an 11th URL',
        JSON.stringify({
          urls: Array.from(
            { length: 11 },
            (_, i) => `https://example.com/asset/${i}.mp4`,
          ),
        }),
        '{urls}',
      ],
      [
        'both fields',
        JSON.stringify({
          asset_id: TRAILER_ASSET,
          urls: ['https://example.com/asset/a.mp4'],
        }),
        '{asset_id}',
      ],
      ['a body that is not JSON', '{"asset_id": ', '{body}'],
      [
        'a URL outside the allow-list',
        JSON.stringify({ urls: ['https://evil.example.net/a.mp4'] }),
        '{urls}',
      ],
    ])(
      'answers %s with 400 VOD.10053 naming the field',
      async (_name, body, field) => {
        const res = await seed(body);
        expect(res.status).toBe(400);
        expect(res.body.error_code).toBe('VOD.10053');
        expect(res.body.error_msg).toContain(`illegal field: ${field}`);
        expect(Object.keys(res.body).sort()).toEqual([
          'error_code',
          'error_msg',
        ]);
      },
    );

    it("passes VOD's own refusal through", async () => {
      const res = await seed(
        JSON.stringify({ asset_id: 'ffffffffffffffffffffffffffffffff' }),
      );
      expect(res.status).toBe(400);
      expect(res.body.error_code).toBe('VOD.10062');
    });

    it("answers VOD's task id even when VOD's first answer was lost, the re-send marked", async () => {
      // This test's create, not one another test left queued.
      h.sim.queueFault({
        kind: 'reset-after',
        route: 'create',
        assetId: DOC_ASSET,
      });
      const res = await seed(
        JSON.stringify({ asset_id: DOC_ASSET }),
        auth.allowed,
      );
      expect(res.status).toBe(202);
      const creates = h.sim.calls().filter(c => c.route === 'create');
      expect(creates.at(-1)!.taskId).toBe(res.body.task_id);
      const { body } = await h
        .http()
        .get('/api/vod/prefetches')
        .query({ assetId: DOC_ASSET, limit: '1' })
        .set(auth.allowed);
      expect(body.items[0]).toMatchObject({ possibleDuplicate: true });
    });

    it('answers an unknown project with 404 in the seed shape', async () => {
      const res = await h
        .http()
        .post('/api/vod/v1.0/ffffffffffffffffffffffffffffffff/asset/preheating')
        .set(auth.allowed)
        .set('Content-Type', 'application/json')
        .send(SEED_ASSET_BODY);
      expect(res.status).toBe(404);
      expect(res.body.error_code).toBe('PORTAL.0404');
    });

    it('answers an unknown task with 404 in the seed shape', async () => {
      const res = await h
        .http()
        .get(`/api/vod/v1.0/${PROJECT}/asset/preheating?task_id=nope`)
        .set(auth.allowed);
      expect(res.status).toBe(404);
      expect(res.body.error_code).toBe('PORTAL.0404');
    });
  });
});
