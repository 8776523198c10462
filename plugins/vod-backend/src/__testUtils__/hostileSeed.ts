// Generated malformed requests to the seed-compatible routes and to the vod actions (through the
// actions registry), and the hand-picked nasty cases of plugin.hostile.test.ts.
import fc from 'fast-check';
import * as gen from './hostileInput';
import { ASSET, goodUrl, pct } from './hostileInput';
import {
  badCursor,
  fits,
  Hostile,
  isUuid,
  JSON_TYPE,
  query,
  segment,
  Sent,
  unknownParam,
  unreadable,
  VALID,
} from './hostileRequests';

const SEED_VALID = JSON.stringify({ asset_id: ASSET });

/** POST of the seed's create call: a wrong body, header or project. */
export function seedCreate(project: string): fc.Arbitrary<Hostile> {
  const path = (p: string) => `/v1.0/${pct(p)}/asset/preheating`;
  const own = `/v1.0/${project}/asset/preheating`;
  return fc
    .oneof(
      gen.badSeedBody.map(({ body, names }) => ({
        path: own,
        headers: JSON_TYPE,
        body,
        names,
      })),
      unreadable(65_536, SEED_VALID).map((r: Sent) => ({ ...r, path: own })),
      gen.badIdempotencyKey.map(key => ({
        path: own,
        headers: { ...JSON_TYPE, 'Idempotency-Key': key },
        body: SEED_VALID,
        names: /\{Idempotency-Key\}/,
        status: 400,
      })),
      gen.junk
        .filter(p => p !== project && segment(p))
        .map(p => ({
          path: path(p),
          headers: JSON_TYPE,
          body: SEED_VALID,
          names: /project/,
          status: 404,
        })),
    )
    .map(r => ({ ...r, method: 'POST' as const }));
}

/** GET of the seed's query: a task id that is none, or a wrong project. */
export function seedQuery(project: string): fc.Arbitrary<Hostile> {
  const own = `/v1.0/${project}/asset/preheating`;
  return fc.oneof(
    gen.junk.filter(fits).map(t => ({
      path: `${own}?${query('task_id', t)}`,
      names: /task_id/,
    })),
    fc
      .constantFrom('', '?task_id=a&task_id=b', '?task_id[a]=b', '?taskId=a')
      .map(q => ({ path: `${own}${q}`, names: /task_id/, status: 400 })),
    gen.junk
      .filter(p => p !== project && segment(p))
      .map(p => ({
        path: `/v1.0/${pct(p)}/asset/preheating?task_id=abc`,
        names: /project/,
        status: 404,
      })),
  );
}

const invoke = (name: string) =>
  `/.backstage/actions/v1/actions/vod:${name}/invoke`;

/** Input of vod:prefetch-create, -get and -list that they must refuse. */
export function actionInput(real: () => string): fc.Arbitrary<Hostile> {
  const key = { idempotencyKey: 'hostile-1' };
  const create = (body: string, names: RegExp) => ({
    path: invoke('prefetch-create'),
    body,
    names,
  });
  return fc
    .oneof(
      fc
        .tuple(gen.badCreateBody, fc.boolean())
        .map(([{ body, names }, dryRun]) =>
          create(
            JSON.stringify({
              ...JSON.parse(body),
              ...key,
              ...(dryRun && { dryRun }),
            }),
            names,
          ),
        ),
      fc
        .oneof(gen.notString, fc.constantFrom('', 'k'.repeat(256)))
        .map(k =>
          create(
            gen.withMember({ assetId: ASSET }, 'idempotencyKey', k),
            /idempotencyKey/,
          ),
        ),
      fc.constant(create(VALID, /idempotencyKey: required/)),
      gen.notString
        .filter(v => typeof v !== 'boolean')
        .map(v =>
          create(
            gen.withMember({ assetId: ASSET, ...key }, 'dryRun', v),
            /dryRun/,
          ),
        ),
      fc
        .oneof(
          gen.notString,
          gen.junk.filter(s => !isUuid(s)),
        )
        .map(id => ({
          path: invoke('prefetch-get'),
          body: gen.withMember({}, 'id', id),
          names: /\bid\b/,
        })),
      fc
        .oneof(gen.notString, fc.constantFrom(0, 101, 1.5, -1, '5'))
        .map(limit => ({
          path: invoke('prefetch-list'),
          body: gen.withMember({}, 'limit', limit),
          names: /limit/,
        })),
      badCursor(real).map(cursor => ({
        path: invoke('prefetch-list'),
        body: JSON.stringify({ cursor }),
        names: /cursor/,
      })),
      fc
        .tuple(fc.constantFrom('prefetch-list', 'prefetch-get'), unknownParam)
        .map(([name, k]) => ({
          path: invoke(name),
          body: gen.withMember(
            { id: '00000000-0000-4000-8000-000000000000' },
            k,
            1,
          ),
          names: /Unrecognized key/,
        })),
    )
    .map(r => ({ ...r, method: 'POST' as const, headers: JSON_TYPE }));
}

/** The hand-picked nasty cases, each named. */
export function handPicked(project: string): Array<[string, Hostile]> {
  const seed = `/v1.0/${project}/asset/preheating`;
  const post = (
    path: string,
    body: string | Uint8Array,
    names: RegExp,
    status: number,
    headers: Record<string, string> = JSON_TYPE,
  ): Hostile => ({ method: 'POST', path, body, headers, names, status });
  const urls = (...list: string[]) => JSON.stringify({ urls: list });
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const utf16 = { 'Content-Type': 'application/json; charset=utf-16' };
  return [
    [
      '11 URLs on the seed route',
      post(
        seed,
        urls(...Array.from({ length: 11 }, (_, i) => goodUrl(i))),
        /\{urls\}.*at most 10/,
        400,
      ),
    ],
    [
      'a javascript: URL',
      post(
        '/prefetches',
        urls(gen.SCRIPT_URL),
        /urls\[0\]: must be an http\(s\) URL/,
        400,
      ),
    ],
    [
      'a look-alike host',
      post(
        '/prefetches',
        urls('https://cdn.example.com.evil.test/a.mp4'),
        /urls\[0\].*outside/,
        400,
      ),
    ],
    [
      'a user@host look-alike on the seed route',
      post(
        seed,
        urls('https://cdn.example.com@evil.test/a.mp4'),
        /\{urls\}.*user name/,
        400,
      ),
    ],
    [
      'a percent-encoded ../',
      post(
        '/prefetches',
        urls('https://cdn.example.com/a/..%2f..%2fx.mp4'),
        /urls\[0\]: must not contain an encoded/,
        400,
      ),
    ],
    [
      'an ideographic dot in the host',
      post(
        '/prefetches',
        urls('https://cdn.example。com/a.mp4'),
        /urls\[0\]: must spell its host in ASCII/,
        400,
      ),
    ],
    [
      'full-width letters in the host, on the seed route',
      post(
        seed,
        urls('https://ｃｄｎ.example.com/a.mp4'),
        /\{urls\}.*ASCII/,
        400,
      ),
    ],
    [
      'NUL in a URL',
      post(
        '/prefetches',
        urls('https://cdn.example.com/a\u0000.mp4'),
        /control characters/,
        400,
      ),
    ],
    [
      'CR/LF in a URL, on the seed route',
      post(
        seed,
        urls('https://cdn.example.com/a\r\nX-Evil: 1'),
        /control characters/,
        400,
      ),
    ],
    [
      'a body over 100 kB',
      post(
        '/prefetches',
        urls('x'.repeat(200_000)),
        /body: is larger than 100kb/,
        413,
      ),
    ],
    [
      'a seed body over 64 kB',
      post(
        seed,
        urls('x'.repeat(70_000)),
        /PORTAL.0413 body: is larger than 64kb/,
        413,
      ),
    ],
    [
      'text/plain',
      post(
        '/prefetches',
        VALID,
        /Content-Type: must be application\/json, got "text\/plain"/,
        415,
        { 'Content-Type': 'text/plain' },
      ),
    ],
    [
      'text/plain on the seed route',
      post(seed, SEED_VALID, /PORTAL.0415 Content-Type/, 415, {
        'Content-Type': 'text/plain',
      }),
    ],
    [
      'UTF-16',
      post(
        '/prefetches',
        Buffer.from(VALID, 'utf16le'),
        /charset must be utf-8, got "utf-16"/,
        415,
        utf16,
      ),
    ],
    [
      'UTF-16 on the seed route',
      post(
        seed,
        Buffer.from(SEED_VALID, 'utf16le'),
        /PORTAL.0415 .*charset/,
        415,
        utf16,
      ),
    ],
    [
      'invalid UTF-8 in a URL',
      post(
        '/prefetches',
        Buffer.from('{"urls":["https://cdn.example.com/\xff.mp4"]}', 'latin1'),
        /body: is not valid UTF-8/,
        400,
      ),
    ],
    [
      'deeply nested arrays',
      post('/prefetches', nested(40_000), /body: /, 400),
    ],
    [
      'deeply nested objects',
      post(
        '/prefetches',
        `${'{"a":'.repeat(15_000)}1${'}'.repeat(15_000)}`,
        /Unrecognized key/,
        400,
      ),
    ],
    [
      'deeply nested junk in urls, on the seed route',
      post(seed, `{"urls":${nested(20_000)}}`, /\{urls\}/, 400),
    ],
    [
      'a gzip body that is not gzip',
      post('/prefetches', 'not gzip', /body: could not be read as sent/, 400, {
        ...JSON_TYPE,
        'Content-Encoding': 'gzip',
      }),
    ],
    [
      'an empty cursor',
      { path: '/prefetches?cursor=', names: /cursor/, status: 400 },
    ],
    [
      'base64 junk as a cursor',
      {
        path: `/prefetches?cursor=${Buffer.from('[1,"x"]').toString(
          'base64url',
        )}`,
        names: /cursor/,
        status: 400,
      },
    ],
    [
      'an id that is no UUID',
      {
        path: '/prefetches/not-a-uuid',
        names: /id: must be a prefetch id/,
        status: 400,
      },
    ],
    [
      'an encoded path trick as the id',
      {
        path: '/prefetches/..%2f..%2fquota',
        names: /id: must be a prefetch id/,
        status: 400,
      },
    ],
    [
      'a broken percent-encoding as the id',
      { path: '/prefetches/%E0%A4%A', names: /malformed uri/i, status: 400 },
    ],
    [
      'a non-ASCII Idempotency-Key',
      post(
        '/prefetches',
        VALID,
        /Idempotency-Key: must be 1 to 255 printable ASCII/,
        400,
        { ...JSON_TYPE, 'Idempotency-Key': 'clé' },
      ),
    ],
    [
      'a misspelt field of an action',
      post(
        invoke('prefetch-create'),
        JSON.stringify({ assetID: ASSET, dryRun: true }),
        /Unrecognized key.*assetID/,
        400,
      ),
    ],
  ];
}
