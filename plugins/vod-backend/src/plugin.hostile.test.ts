// Hostile input, property-based: every route of the vod backend (its own API, the seed's, and its
// actions through the actions registry), run for real with the VOD simulator over HTTP, is sent
// generated malformed requests (bodies, headers, query strings, ids, cursors, URLs) and must refuse
// each with a 4xx whose message names what is wrong, writing nothing to the database and spending
// no quota. The fast-check seed is fixed, so a failure reproduces.
//
// 1,045 generated requests (200 + 110 + 100 creates, 140 lists, 120 reads, 65 to the other routes,
// 150 + 60 to the seed routes, 100 to the actions), and 53 hand-picked ones (24 of them tamperings
// of a real cursor). With vod:preheat's 160 (preheat.hostile.test.ts), 1,205 generated in all.
// Where a status only Node can give is right (a 431 for a head over 16 kB, a 400 for a header with
// a bare CR), it has no body: those two cases check the status alone.
/* eslint-disable jest/expect-expect -- the properties assert in refused(), for each request */
import { connect } from 'node:net';
import { actionsRegistryServiceFactory } from '@backstage/backend-defaults/alpha';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import fc from 'fast-check';
import type { Knex } from 'knex';
import { auth, Harness, PROJECT, startHarness } from './__testUtils__/harness';
import { ASSET, badCreateBody, pct } from './__testUtils__/hostileInput';
import {
  createAround,
  Hostile,
  JSON_TYPE,
  listQuery,
  otherRoutes,
  readPath,
  tamperedCursors,
  unreadable,
  VALID,
} from './__testUtils__/hostileRequests';
import {
  actionInput,
  handPicked,
  seedCreate,
  seedQuery,
} from './__testUtils__/hostileSeed';

jest.setTimeout(180_000);

const runs = (numRuns: number) => ({ seed: 20261126, numRuns });
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
let h: Harness;
let knex: Knex;
let base: string;
let cursor: string;
let before: string;
const realCursor = () => cursor;

/** Everything a request could have written or spent, as one comparable string. */
async function written(): Promise<string> {
  const [row] = await knex.raw(`select
    (select count(*) from vod_prefetches) as prefetches,
    (select count(*) from vod_tasks) as tasks,
    (select count(*) from vod_task_results) as results,
    (select count(*) from vod_idempotency_keys) as keys,
    (select coalesce(sum(used), 0) from vod_quota_usage) as quota`);
  const creates = h.sim.calls().filter(c => c.route === 'create').length;
  return JSON.stringify({ ...row, creates });
}

/** Sends `r` (as the allowed user unless its headers say otherwise) and checks its refusal. */
async function refused(r: Hostile): Promise<void> {
  const res = await fetch(`${base}${r.path}`, {
    method: r.method ?? 'GET',
    headers: { ...auth.allowed, ...r.headers },
    body: r.body,
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    // no message: refused below
  }
  // The seed routes answer in VOD's shape and nothing else; the others in Backstage's.
  const seed = r.path.startsWith('/v1.0/') && res.status !== 401;
  const message = seed
    ? Object.keys(json ?? {})
        .sort()
        .join() === 'error_code,error_msg' &&
      `${json.error_code} ${json.error_msg}`
    : json?.error?.message;
  const sent = `${r.method ?? 'GET'} ${r.path.slice(0, 150)} ${JSON.stringify(
    r.headers ?? {},
  ).slice(0, 150)}`;
  if (
    res.status < 400 ||
    res.status > 499 ||
    (r.status && res.status !== r.status) ||
    typeof message !== 'string' ||
    !r.names.test(message)
  ) {
    throw new Error(
      `${sent}\n→ ${res.status} ${text.slice(0, 300)}\nwanted ${
        r.status ?? '4xx'
      } naming ${r.names}`,
    );
  }
  const after = await written();
  if (after !== before) {
    throw new Error(`${sent}\n→ wrote ${after}, was ${before}`);
  }
}

const check = (arbitrary: fc.Arbitrary<Hostile>, numRuns: number) =>
  fc.assert(fc.asyncProperty(arbitrary, refused), runs(numRuns));

describe('hostile input to the vod backend', () => {
  beforeAll(async () => {
    knex = await databases.init('SQLITE_3');
    h = await startHarness({
      extraFeatures: [
        mockServices.database.factory({ knex }),
        actionsRegistryServiceFactory,
      ],
      config: { backend: { actions: { pluginSources: ['vod'] } } },
    });
    base = `http://127.0.0.1:${(h.server as any).address().port}/api/vod`;
    // Two ended prefetches: a list of one has a next page, whose cursor is tampered with below.
    for (let i = 0; i < 2; i++) {
      const res = await h.createPrefetch(auth.allowed, { assetId: ASSET });
      await h.waitFor(res.body.id, s => s === 'succeeded');
    }
    const page = await h
      .http()
      .get('/api/vod/prefetches?limit=1')
      .set(auth.allowed);
    cursor = page.body.nextCursor;
    if (!cursor) throw new Error('no next page');
    before = await written();
  });
  afterAll(() => h?.stop());

  it('POST /prefetches: a body wrong in one field (also as a dry run)', () =>
    check(
      fc
        .tuple(badCreateBody, fc.boolean())
        .map(([{ body, names }, dryRun]) => ({
          method: 'POST',
          path: `/prefetches${dryRun ? '?dryRun=true' : ''}`,
          headers: JSON_TYPE,
          body,
          names,
        })),
      200,
    ));

  it('POST /prefetches: a body that cannot be read as sent', () =>
    check(
      unreadable(102_400, VALID).map(r => ({
        ...r,
        method: 'POST',
        path: '/prefetches',
      })),
      110,
    ));

  it('POST /prefetches: wrong headers or query around a valid body', () =>
    check(createAround, 100));

  it('GET /prefetches: a wrong filter, limit or cursor', () =>
    check(listQuery(realCursor), 140));

  it('GET /prefetches/:id: an id that is none, or wrong waiting-read parameters', () =>
    check(readPath, 120));

  it('GET /quota, /accounts, /health, and any route without valid credentials', () =>
    check(otherRoutes(`/v1.0/${PROJECT}/asset/preheating?task_id=a`), 65));

  it('POST the seed route: a wrong body, header or project, in the seed shape', () =>
    check(seedCreate(PROJECT), 150));

  it('GET the seed route: a task id that is none, or a wrong project, in the seed shape', () =>
    check(seedQuery(PROJECT), 60));

  it('the vod actions (actions registry): wrong input to create, get and list', () =>
    check(actionInput(realCursor), 100));

  it.each(handPicked(PROJECT))('refuses %s', (_name, r) => refused(r));

  it('refuses each tampering of a real cursor', async () => {
    for (const tampered of tamperedCursors(cursor)) {
      await refused({
        path: `/prefetches?cursor=${pct(tampered)}`,
        names: /cursor: not a cursor this API returned/,
        status: 400,
      });
    }
  });

  it('refuses a head larger than Node reads with 431 (Node answers, before any route)', async () => {
    const res = await fetch(
      `${base}/prefetches?entityRef=${'a'.repeat(20_000)}`,
      {
        headers: auth.allowed,
      },
    );
    expect(res.status).toBe(431);
    expect(await written()).toBe(before);
  });

  it('refuses CR/LF smuggled into a header with 400 (Node answers), and keeps serving', async () => {
    const { port } = (h.server as any).address();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end(
          [
            'POST /api/vod/prefetches HTTP/1.1',
            'Host: 127.0.0.1',
            `Authorization: ${auth.allowed.Authorization}`,
            'Idempotency-Key: a\rb',
            'Content-Type: application/json',
            `Content-Length: ${VALID.length}`,
            '',
            VALID,
          ].join('\r\n'),
        );
      });
      let data = '';
      socket.on('data', chunk => {
        data += chunk;
      });
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request/);
    expect(await written()).toBe(before);
    await refused({ path: '/prefetches/x', names: /\bid\b/, status: 400 });
  });

  it('spent no quota through all of the above, as GET /quota tells it', async () => {
    const quota = await h.http().get('/api/vod/quota').set(auth.allowed);
    expect(quota.body.used).toBe(2); // the two prefetches made before
    expect(await written()).toBe(before);
  });
});
