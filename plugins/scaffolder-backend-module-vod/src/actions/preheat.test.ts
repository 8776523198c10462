import { ResponseError } from '@backstage/errors';
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';
import type { JsonObject, JsonValue } from '@backstage/types';
import type {
  CreatePrefetchRequest,
  Prefetch,
  PrefetchStatus,
} from '@mediaops/backstage-plugin-vod-common';
import type { VodPrefetchService } from '@mediaops/backstage-plugin-vod-node';
import yaml from 'yaml';
import { actionContext } from '../__testUtils__/actionContext';
import {
  createVodPreheatAction,
  preheatAction,
  VodPreheatInput,
  VodPreheatOutput,
} from './preheat';
import { examples } from './preheat.examples';

const ID = '00000000-0000-4000-8000-000000000001';

const prefetch = (status: PrefetchStatus, over: Partial<Prefetch> = {}) =>
  ({
    id: ID,
    status,
    account: 'main',
    entityRef: 'resource:default/trailer',
    createdBy: 'user:default/guest',
    createdAt: '2026-11-26T09:00:00.000Z',
    updatedAt: '2026-11-26T09:00:00.000Z',
    possibleDuplicate: false,
    progress: {
      total: 2,
      succeeded: status === 'succeeded' ? 2 : 0,
      failed: 0,
    },
    tasks: [
      {
        taskId: 'vodtask-1',
        status: status === 'pending' ? 'pending' : status,
        results: [
          { url: 'https://cdn/a/480p.mp4', status: 'succeed' },
          { url: 'https://cdn/a/720p.mp4', status: 'succeed' },
        ],
      },
    ],
    ...over,
  } as Prefetch);

/** The vod service as the action sees it, with the end state and wait outcome the test picks. */
function fakeVod(
  options: {
    end?: Prefetch;
    outcome?: 'ended' | 'timeout' | 'aborted';
  } = {},
) {
  const calls: Array<{
    what: string;
    request?: CreatePrefetchRequest;
    key?: string;
  }> = [];
  const end = options.end ?? prefetch('succeeded');
  const vod: VodPrefetchService = {
    createPrefetch: async (request, { idempotencyKey }) => {
      calls.push({ what: 'create', request, key: idempotencyKey });
      return prefetch('pending');
    },
    planPrefetch: async request => {
      calls.push({ what: 'plan', request });
      return {
        dryRun: true,
        account: 'main',
        units: 1,
        vodCalls: 1,
        quota: {
          account: 'main',
          limit: 1000,
          used: 10,
          remaining: 990,
          resetsAt: '2026-11-26T16:00:00.000Z',
          queued: 0,
        },
      };
    },
    getPrefetch: async () => {
      calls.push({ what: 'get' });
      return options.outcome === 'ended' || !options.outcome
        ? end
        : prefetch('processing');
    },
    waitFor: async (_id, { onChange, timeoutMs }) => {
      calls.push({ what: `wait ${timeoutMs}` });
      onChange?.(prefetch('pending', { queuePosition: 2 }));
      onChange?.(
        prefetch('processing', {
          progress: { total: 2, succeeded: 1, failed: 0 },
        }),
      );
      const outcome = options.outcome ?? 'ended';
      if (outcome === 'ended') onChange?.(end);
      return {
        outcome,
        prefetch: outcome === 'ended' ? end : prefetch('processing'),
      };
    },
    listPrefetches: async () => ({ items: [] }),
    getQuota: async () => ({
      account: 'main',
      limit: 1000,
      used: 11,
      remaining: 989,
      resetsAt: '2026-11-26T16:00:00.000Z',
      queued: 0,
    }),
  };
  return { vod, calls };
}

function run(
  vod: VodPrefetchService,
  input: JsonObject,
  options: {
    isDryRun?: boolean;
    checkpoints?: Map<string, JsonValue>;
    signal?: AbortSignal;
  } = {},
) {
  const action = createVodPreheatAction({
    vod,
    appBaseUrl: 'http://portal.example',
  });
  const context = actionContext({
    input,
    ...options,
  });
  return { promise: action.handler(context.ctx as any), ...context };
}

describe('vod:preheat', () => {
  it('prefetches as the initiator, waits, tells each stage, and puts out the result', async () => {
    const { vod, calls } = fakeVod();
    const { promise, outputs, logs } = run(vod, {
      entityRef: 'resource:default/trailer',
    });
    await promise;
    expect(calls.map(c => c.what)).toEqual(['create', 'wait 1800000']);
    expect(calls[0].request).toEqual({ entityRef: 'resource:default/trailer' });
    expect(calls[0].key).toBe('scaffolder:task-1:preheat');
    expect(outputs).toEqual({
      prefetchId: ID,
      url: `http://portal.example/vod?id=${ID}`,
      status: 'succeeded',
      taskIds: ['vodtask-1'],
      results: [
        { url: 'https://cdn/a/480p.mp4', status: 'succeed' },
        { url: 'https://cdn/a/720p.mp4', status: 'succeed' },
      ],
      quotaRemaining: 989,
    });
    expect(logs).toEqual(
      expect.arrayContaining([
        `Prefetch ${ID}: queued in the portal, number 2 in line for VOD`,
        `Prefetch ${ID}: accepted by VOD, warming the cache; 1 of 2 URLs done`,
        `Prefetch ${ID}: cache warm; 2 of 2 URLs done`,
      ]),
    );
  });

  it('refuses input that names no target, or an asset id with another target', async () => {
    const { vod, calls } = fakeVod();
    await expect(run(vod, {}).promise).rejects.toThrow(
      'vod:preheat needs one of entityRef, assetId or urls',
    );
    await expect(
      run(vod, { assetId: 'abc', entityRef: 'resource:default/trailer' })
        .promise,
    ).rejects.toThrow(/assetId goes alone/);
    expect(calls).toEqual([]);
  });

  it("fails with the backend's refusal in its words, not as an HTTP failure", async () => {
    const { vod } = fakeVod();
    const refusal =
      'You may not prefetch resource:default/x (vod.prefetch.create)';
    vod.createPrefetch = async () => {
      throw await ResponseError.fromResponse(
        new Response(
          JSON.stringify({
            error: { name: 'NotAllowedError', message: refusal },
            response: { statusCode: 403 },
          }),
          { status: 403, headers: { 'Content-Type': 'application/json' } },
        ),
      );
    };
    const failure = await run(vod, {
      entityRef: 'resource:default/x',
    }).promise.catch((e: Error) => e);
    expect(failure).toMatchObject({
      name: 'NotAllowedError',
      message: refusal,
    });
    expect((failure as Error).stack).toBe(`NotAllowedError: ${refusal}`);
  });

  it('in a dry run checks and says what it would do, and creates nothing', async () => {
    const { vod, calls } = fakeVod();
    const { promise, outputs, logs } = run(
      vod,
      { entityRef: 'resource:default/trailer' },
      { isDryRun: true },
    );
    await promise;
    expect(calls.map(c => c.what)).toEqual(['plan']);
    expect(outputs).toEqual({
      status: 'dry-run',
      taskIds: [],
      results: [],
      quotaRemaining: 989,
    });
    expect(logs[0]).toMatch(
      /^Dry run: would prefetch resource:default\/trailer on account main: 1 of the 990 prefetches left today/,
    );
  });

  it('creates once however often the step is retried or resumed', async () => {
    const { vod, calls } = fakeVod();
    const checkpoints = new Map<string, JsonValue>();
    await run(vod, { entityRef: 'resource:default/trailer' }, { checkpoints })
      .promise;
    await run(vod, { entityRef: 'resource:default/trailer' }, { checkpoints })
      .promise;
    expect(calls.filter(c => c.what === 'create')).toHaveLength(1);
    expect([...checkpoints.values()]).toEqual([ID]);
  });

  it('stops waiting when the task is cancelled, saying the prefetch goes on', async () => {
    const { vod } = fakeVod({ outcome: 'aborted' });
    const { promise, outputs } = run(vod, {
      entityRef: 'resource:default/trailer',
    });
    await expect(promise).rejects.toThrow(
      `Stopped waiting: the task was cancelled. Prefetch ${ID} itself goes on: http://portal.example/vod?id=${ID}`,
    );
    expect(outputs.status).toBe('processing');
  });

  it('fails after its timeout, the prefetch going on', async () => {
    const { vod, calls } = fakeVod({ outcome: 'timeout' });
    await expect(
      run(vod, { entityRef: 'resource:default/trailer', timeoutSeconds: 30 })
        .promise,
    ).rejects.toThrow(
      `Prefetch ${ID} had not ended after 30 s (accepted by VOD, warming the cache); it goes on`,
    );
    expect(calls.map(c => c.what)).toContain('wait 30000');
  });

  it("fails on the end its failOn names, with the failed URLs and VOD's reason", async () => {
    const partly = prefetch('partially_failed', {
      error: { code: 'VOD.100011', message: 'the URL is not published' },
      tasks: [
        {
          taskId: 'vodtask-1',
          status: 'partially_failed',
          results: [
            { url: 'https://cdn/a/480p.mp4', status: 'succeed' },
            { url: 'https://cdn/a/720p.mp4', status: 'failed' },
          ],
        },
      ],
    });
    await expect(
      run(fakeVod({ end: partly }).vod, {
        entityRef: 'resource:default/trailer',
      }).promise,
    ).resolves.toBeUndefined();
    await expect(
      run(fakeVod({ end: partly }).vod, {
        entityRef: 'resource:default/trailer',
        failOn: 'partially_failed',
      }).promise,
    ).rejects.toThrow(
      `Prefetch ${ID} ended partly warm. VOD said VOD.100011: the URL is not published. Failed URLs: https://cdn/a/720p.mp4.`,
    );
    await expect(
      run(fakeVod({ end: prefetch('failed') }).vod, {
        entityRef: 'resource:default/trailer',
      }).promise,
    ).rejects.toThrow(`Prefetch ${ID} ended failed.`);
  });

  it('without waiting, ends once the prefetch is recorded', async () => {
    const { vod, calls } = fakeVod({ end: prefetch('pending') });
    const { promise, outputs } = run(vod, {
      urls: ['https://example.com/asset/a.mp4'],
      wait: false,
    });
    await promise;
    expect(calls.map(c => c.what)).toEqual(['create', 'get']);
    expect(outputs.status).toBe('pending');
  });

  it.each(examples.map(e => [e.description, e.example]))(
    'runs its example: %s',
    async (_description, example) => {
      const { vod, calls } = fakeVod();
      const input = yaml.parse(example).steps[0].input;
      await run(vod, input).promise;
      expect(calls[0]).toMatchObject({
        what: 'create',
        request: Object.fromEntries(
          ['entityRef', 'assetId', 'urls'].flatMap(k =>
            input[k] ? [[k, input[k]]] : [],
          ),
        ),
      });
    },
  );
});

// The named public types say exactly what the schema gives: tsc fails below when they drift.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B
  ? 1
  : 2
  ? true
  : false;
type Inferred = ReturnType<typeof preheatAction>;
type InputOf<T> = T extends TemplateAction<infer I, any, any> ? I : never;
type OutputOf<T> = T extends TemplateAction<any, infer O, any> ? O : never;

describe('vod:preheat types', () => {
  it('names its input and output as its schema gives them (checked by tsc)', () => {
    const same: [
      Same<InputOf<Inferred>, VodPreheatInput>,
      Same<OutputOf<Inferred>, VodPreheatOutput>,
    ] = [true, true];
    expect(same).toEqual([true, true]);
  });
});
