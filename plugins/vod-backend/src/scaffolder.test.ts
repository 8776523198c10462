// The demo template run by the real scaffolder backend, with the vod:preheat module, the vod
// backend and the VOD simulator in one backend: as a user who may prefetch, as one who may not,
// and retried.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Entity } from '@backstage/catalog-model';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import scaffolderModuleVod from '@mediaops/backstage-plugin-scaffolder-backend-module-vod';
import yaml from 'yaml';
import { auth, Harness, startHarness, users } from './__testUtils__/harness';

jest.setTimeout(60_000);

/** The demo's template, as the catalog holds it. */
const template: Entity = yaml.parse(
  readFileSync(
    resolve(__dirname, '../../../examples/templates/warm-media-asset.yaml'),
    'utf8',
  ),
);

async function startWithScaffolder(options: { processingMs?: number } = {}) {
  return startHarness({
    ...options,
    extraEntities: [template],
    config: { app: { baseUrl: 'http://portal.example' } },
    extraFeatures: [scaffolderPlugin, scaffolderModuleVod],
  });
}

async function runTask(
  h: Harness,
  who: Record<string, string>,
  values: object,
): Promise<string> {
  const res = await h
    .http()
    .post('/api/scaffolder/v2/tasks')
    .set(who)
    .send({ templateRef: 'template:default/warm-media-asset', values });
  expect(res.status).toBe(201);
  return res.body.id;
}

async function taskEnd(h: Harness, who: Record<string, string>, id: string) {
  const deadline = Date.now() + 45_000;
  for (;;) {
    const res = await h.http().get(`/api/scaffolder/v2/tasks/${id}`).set(who);
    if (['completed', 'failed', 'cancelled'].includes(res.body.status)) {
      const events = await h
        .http()
        .get(`/api/scaffolder/v2/tasks/${id}/events`)
        .set(who);
      return {
        status: res.body.status as string,
        log: (events.body as Array<{ body: { message?: string } }>)
          .map(e => e.body.message ?? '')
          .join('\n'),
        output: (events.body as Array<{ type: string; body: any }>).find(
          e => e.type === 'completion',
        )?.body.output,
      };
    }
    if (Date.now() > deadline)
      throw new Error(`task ${id}: ${res.body.status}`);
    await new Promise(r => setTimeout(r, 200));
  }
}

const prefetchesOf = async (h: Harness) =>
  (await h.http().get('/api/vod/prefetches').set(auth.allowed)).body.items;

describe('the demo template through the scaffolder', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startWithScaffolder();
  });
  afterAll(() => h?.stop());

  it('warms the entity as the user who runs it, and puts out the result', async () => {
    const id = await runTask(h, auth.trailerOwner, {
      entityRef: 'resource:default/trailer',
      wait: true,
    });
    const end = await taskEnd(h, auth.trailerOwner, id);
    expect({ status: end.status, log: end.log }).toEqual({
      status: 'completed',
      log: expect.stringMatching(/cache warm/),
    });
    const [prefetch] = await prefetchesOf(h);
    expect(prefetch).toMatchObject({
      status: 'succeeded',
      createdBy: users.trailerOwner,
      entityRef: 'resource:default/trailer',
    });
    expect(end.output.links).toEqual([
      {
        title: 'The prefetch on the portal',
        url: `http://portal.example/vod?id=${prefetch.id}`,
      },
    ]);
    expect(end.output.text[0].content).toContain(
      `Prefetch \`${prefetch.id}\` of resource:default/trailer: **succeeded**.`,
    );
    expect(h.sim.calls().filter(c => c.route === 'create')).toHaveLength(1);
  });

  it('fails the step for a user who may not prefetch the entity, naming the permission, and records nothing', async () => {
    const before = (await prefetchesOf(h)).length;
    const id = await runTask(h, auth.trailerOwner, {
      entityRef: 'resource:default/documentary',
      wait: true,
    });
    const end = await taskEnd(h, auth.trailerOwner, id);
    expect(end.status).toBe('failed');
    expect(end.log).toMatch(
      /resource:default\/documentary[\s\S]*vod\.prefetch\.create|vod\.prefetch\.create[\s\S]*resource:default\/documentary/,
    );
    expect((await prefetchesOf(h)).length).toBe(before);
  });
});

describe('a retried step', () => {
  it('does not prefetch twice', async () => {
    // VOD takes a minute; the step waits 900 s by the template, so it is cancelled instead...
    const h = await startWithScaffolder({ processingMs: 60_000 });
    try {
      const id = await runTask(h, auth.trailerOwner, {
        entityRef: 'resource:default/trailer',
        wait: true,
      });
      // ...once its prefetch is recorded.
      for (let i = 0; (await prefetchesOf(h)).length === 0; i++) {
        if (i > 100) throw new Error('no prefetch recorded');
        await new Promise(r => setTimeout(r, 100));
      }
      await h
        .http()
        .post(`/api/scaffolder/v2/tasks/${id}/cancel`)
        .set(auth.trailerOwner);
      const first = await taskEnd(h, auth.trailerOwner, id);
      // The scaffolder ends a cancelled task as failed, its step as cancelled.
      expect({ status: first.status, log: first.log }).toEqual({
        status: 'failed',
        log: expect.stringMatching(/itself goes on/),
      });

      const retried = await h
        .http()
        .post(`/api/scaffolder/v2/tasks/${id}/retry`)
        .set(auth.trailerOwner)
        .send({});
      expect(retried.status).toBe(201);
      // The retried step runs again and finds its prefetch again...
      const recorded = async () => {
        const events = await h
          .http()
          .get(`/api/scaffolder/v2/tasks/${id}/events`)
          .set(auth.trailerOwner);
        return (events.body as Array<{ body: { message?: string } }>)
          .map(e => /Prefetch (\S+) recorded/.exec(e.body.message ?? '')?.[1])
          .filter(Boolean);
      };
      for (let i = 0; (await recorded()).length < 2; i++) {
        if (i > 100) throw new Error('the retried step did not run');
        await new Promise(r => setTimeout(r, 200));
      }
      const [once, again] = await recorded();
      expect(again).toBe(once);
      // ...and is cancelled once more to end the test.
      await h
        .http()
        .post(`/api/scaffolder/v2/tasks/${id}/cancel`)
        .set(auth.trailerOwner);
      await taskEnd(h, auth.trailerOwner, id);
      expect(await prefetchesOf(h)).toHaveLength(1);
      expect(h.sim.calls().filter(c => c.route === 'create')).toHaveLength(1);
    } finally {
      await h.stop();
    }
  });
});
