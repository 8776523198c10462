// Hostile input to vod:preheat, property-based: the action, run with the real vod backend (through
// vod-node's vodPrefetchServiceRef, over HTTP) and the VOD simulator, is given generated malformed
// input and must fail with an InputError-style message naming the field (or, for what only the
// backend can judge, the backend's refusal in its words), never crash, and record nothing: no
// prefetch in the database, no checkpoint, no quota spent. 160 generated inputs (fixed seed), and
// a few hand-picked.
//
// The vod backend and its test harness are imported across packages: this module depends on
// vod-node only, and its action is only worth hammering against the backend that judges it.
/* eslint-disable jest/expect-expect -- the cases assert in refused() */
import { createBackendPlugin } from '@backstage/backend-plugin-api';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import type { JsonObject, JsonValue } from '@backstage/types';
import {
  VodPrefetchService,
  vodPrefetchServiceRef,
} from '@mediaops/backstage-plugin-vod-node';
import fc from 'fast-check';
import type { Knex } from 'knex';
/* eslint-disable @backstage/no-relative-monorepo-imports */
import * as gen from '../../../vod-backend/src/__testUtils__/hostileInput';
import {
  auth,
  Harness,
  LOOSE_ASSET,
  startHarness,
  users,
} from '../../../vod-backend/src/__testUtils__/harness';
/* eslint-enable @backstage/no-relative-monorepo-imports */
import { actionContext } from '../__testUtils__/actionContext';
import { createVodPreheatAction } from './preheat';

jest.setTimeout(120_000);

const INPUTS = ['entityRef', 'assetId', 'urls', 'account', 'wait'];
const MORE = ['timeoutSeconds', 'failOn'];
const good = gen.goodUrl;
type Case = { input: unknown; names: RegExp };

/** Input wrong in one field, beside valid ones: what the action itself, or the backend, refuses. */
const badInput: fc.Arbitrary<Case> = fc.oneof(
  // Wrong in what the action alone looks at: refused before anything is sent.
  fc
    .tuple(gen.junk, fc.jsonValue({ maxDepth: 2 }))
    .filter(([key]) => ![...INPUTS, ...MORE].includes(key))
    .map(([key, v]) => ({
      input: JSON.parse(gen.withMember({ assetId: LOOSE_ASSET }, key, v)),
      names: /unknown input/,
    })),
  fc
    .tuple(
      fc.constantFrom('entityRef', 'assetId', 'account'),
      fc.oneof(gen.notString, fc.constantFrom('', '   ', '\t')),
    )
    .map(([field, v]) => ({
      input: { ...(field !== 'assetId' && { urls: [good(1)] }), [field]: v },
      names: new RegExp(`${field} must be a non-empty string`),
    })),
  fc
    .oneof(
      gen.notString.filter(v => !Array.isArray(v)),
      gen.junk,
      fc.constant([]),
      fc.array(gen.notString, { minLength: 1, maxLength: 3 }),
    )
    .map(urls => ({ input: { urls }, names: /urls must be a non-empty list/ })),
  fc
    .oneof(gen.notString, gen.junk)
    .filter(v => typeof v !== 'boolean')
    .map(wait => ({
      input: { assetId: LOOSE_ASSET, wait },
      names: /wait must be true or false/,
    })),
  fc
    .oneof(
      gen.notString,
      gen.junk,
      fc.constantFrom(0, -1, 1.5, 3001, 1e9, Number.MAX_SAFE_INTEGER + 2),
    )
    .map(timeoutSeconds => ({
      input: { assetId: LOOSE_ASSET, timeoutSeconds },
      names: /timeoutSeconds must be a whole number from 1 to 3000/,
    })),
  fc
    .oneof(gen.notString, gen.junk, fc.constantFrom('toString', 'FAILED'))
    .filter(v => v !== 'failed' && v !== 'partially_failed')
    .map(failOn => ({
      input: { assetId: LOOSE_ASSET, failOn },
      names: /failOn must be failed or partially_failed/,
    })),
  fc
    .constantFrom<object>({}, { account: 'main' }, { wait: false })
    .map(input => ({ input, names: /one of entityRef, assetId or urls/ })),
  fc
    .constantFrom<object>(
      { entityRef: 'resource:default/trailer' },
      { urls: [good(1)] },
    )
    .map(other => ({
      input: { assetId: LOOSE_ASSET, ...other },
      names: /assetId goes alone/,
    })),
  // Well-typed but wrong: the backend refuses it, and the action says so in its words.
  gen.badAssetId
    .filter(s => s.trim() !== '')
    .map(assetId => ({ input: { assetId }, names: /assetId/ })),
  gen.badEntityRef
    .filter(s => s.trim() !== '')
    .map(entityRef => ({
      input: { entityRef, urls: [good(1)] },
      names: /entityRef/,
    })),
  gen.badUrl.map(url => ({ input: { urls: [good(0), url] }, names: /urls/ })),
  fc.integer({ min: 101, max: 130 }).map(n => ({
    input: { urls: Array.from({ length: n }, (_, i) => good(i)) },
    names: /urls: at most 100/,
  })),
  gen.badAccount
    .filter(s => s.trim() !== '')
    .map(account => ({
      input: { assetId: LOOSE_ASSET, account },
      names: /account/,
    })),
);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
let h: Harness;
let knex: Knex;
let vod: VodPrefetchService | undefined;
let before: string;

/** Hands the test the vod-node service as another backend plugin gets it. */
const capture = createBackendPlugin({
  pluginId: 'hostile',
  register(env) {
    env.registerInit({
      deps: { service: vodPrefetchServiceRef },
      async init({ service }) {
        vod = service;
      },
    });
  },
});

async function written(): Promise<string> {
  const [row] = await knex.raw(`select
    (select count(*) from vod_prefetches) as prefetches,
    (select count(*) from vod_idempotency_keys) as keys,
    (select coalesce(sum(used), 0) from vod_quota_usage) as quota`);
  const creates = h.sim.calls().filter(c => c.route === 'create').length;
  return JSON.stringify({ ...row, creates });
}

/** Runs the action with `input` and checks it failed as a refusal naming the field. */
async function refused({ input, names }: Case, isDryRun = false) {
  const action = createVodPreheatAction({
    vod: vod!,
    appBaseUrl: 'http://portal.example',
  });
  const checkpoints = new Map<string, JsonValue>();
  const { ctx, outputs } = actionContext({
    input: input as JsonObject,
    user: users.allowed,
    isDryRun,
    checkpoints,
    // Should a malformed input be taken, the step ends at once instead of waiting for VOD.
    signal: AbortSignal.abort(),
  });
  const failure = await action.handler(ctx as any).then(
    () => new Error('the action succeeded'),
    (error: Error) => error,
  );
  const what = `${JSON.stringify(input)?.slice(0, 300)} (dry run: ${isDryRun})`;
  if (
    !['InputError', 'NotFoundError'].includes(failure.name) ||
    !names.test(failure.message)
  ) {
    throw new Error(
      `${what}\n→ ${failure.name}: ${failure.message}\nwanted a refusal naming ${names}`,
    );
  }
  const now = await written();
  if (now !== before || checkpoints.size || Object.keys(outputs).length) {
    throw new Error(
      `${what}\n→ recorded ${now} (was ${before}), ${
        checkpoints.size
      } checkpoint(s), outputs ${JSON.stringify(outputs)}`,
    );
  }
}

describe('vod:preheat with hostile input, against the real vod backend', () => {
  beforeAll(async () => {
    knex = await databases.init('SQLITE_3');
    h = await startHarness({
      extraFeatures: [mockServices.database.factory({ knex }), capture],
    });
    before = await written();
  });
  afterAll(() => h?.stop());

  it('fails naming the field, never crashes, and records nothing', async () => {
    await fc.assert(fc.asyncProperty(badInput, fc.boolean(), refused), {
      seed: 20261126,
      numRuns: 160,
    });
    const quota = await h.http().get('/api/vod/quota').set(auth.allowed);
    expect(quota.body.used).toBe(0);
  });

  it.each<[string, Case]>([
    [
      'an empty entityRef beside urls (once read as left out)',
      { input: { entityRef: '', urls: [good(1)] }, names: /entityRef/ },
    ],
    [
      'an unknown failOn (once a crash after prefetching)',
      {
        input: { assetId: LOOSE_ASSET, failOn: 'sometimes' },
        names: /failOn/,
      },
    ],
    [
      'a negative timeout (once prefetched, then failed at once)',
      { input: { assetId: LOOSE_ASSET, timeoutSeconds: -5 }, names: /timeout/ },
    ],
    [
      'a misspelt field',
      { input: { assetID: LOOSE_ASSET }, names: /unknown input "assetID"/ },
    ],
    [
      'a javascript: URL',
      { input: { urls: [gen.SCRIPT_URL] }, names: /urls\[0\]/ },
    ],
    [
      'input that is not an object',
      { input: ['assetId'], names: /the input must be an object/ },
    ],
  ])('refuses %s', (_name, c) => refused(c));

  it('refuses the same input in a dry run', () =>
    refused({ input: { assetId: 'xyz' }, names: /assetId/ }, true));
});
