// Generated malformed requests to the vod backend's own API (plugin.hostile.test.ts), each with
// what its refusal must name; built from the malformed values of hostileInput.ts.
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import * as gen from './hostileInput';
import { ASSET, goodUrl, pct } from './hostileInput';

/** A request the backend must refuse, and what the refusal's message must say. */
export interface Hostile {
  method?: 'GET' | 'POST';
  /** Under /api/vod, encoded. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  names: RegExp;
  /** The one right status, if only one is. */
  status?: number;
}
/** A request to a path given elsewhere. */
export type Sent = Omit<Hostile, 'path'>;

export const JSON_TYPE = { 'Content-Type': 'application/json' };
export const VALID = JSON.stringify({ assetId: ASSET });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

/**
 * Query values and path segments of a size the server reads (Node refuses a head over 16 kB with a
 * bare 431), and that fetch sends as they are (it resolves "." and ".." segments, even encoded).
 */
export const fits = (s: string) => pct(s).length < 6_000;
export const segment = (s: string) =>
  s !== '' && s !== '.' && s !== '..' && fits(s);
export const query = (name: string, value: string) =>
  `${pct(name)}=${pct(value)}`;

const PARAMS = ['dryRun', 'limit', 'cursor', 'status', 'entityRef'];
/** A query parameter no route takes. */
export const unknownParam = fc
  .oneof(
    fc.string({
      unit: fc.constantFrom(...'abcdefXYZ_-.'),
      minLength: 1,
      maxLength: 12,
    }),
    fc.constantFrom('DryRun', 'limit2', 'a.b', 'cursor_', 'assetid'),
  )
  .filter(k => !PARAMS.includes(k));

/** Authorization headers that are no Backstage credentials. */
export const badAuth = fc
  .oneof(
    fc.constantFrom('', 'Bearer ', 'Bearer junk', 'Basic YTpi', 'bearer'),
    fc.constant(`Bearer ${'x'.repeat(4000)}`),
    gen.junk.filter(s => /^[\x20-\x7e]*$/.test(s) && fits(s)),
  )
  .map(a => ({ Authorization: a }));

const INVALID_UTF8 = [
  [0xff],
  [0xfe],
  [0xc3, 0x28],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xe2, 0x82],
  [0x80],
  [0xf4, 0x90, 0x80, 0x80],
];

/** A body no route can read as sent: type, charset, encoding, size, bytes, or emptiness. */
export function unreadable(
  limitBytes: number,
  valid: string,
): fc.Arbitrary<Sent> {
  const json = (more: Record<string, string> = {}) => ({
    ...JSON_TYPE,
    ...more,
  });
  return fc.oneof(
    gen.badContentType.map(({ type }) => ({
      headers: { 'Content-Type': type },
      body: valid,
      names: /Content-Type/,
      status: 415,
    })),
    fc.constant({
      body: new TextEncoder().encode(valid), // fetch adds no Content-Type
      names: /Content-Type: must be application\/json, got none/,
      status: 415,
    }),
    fc
      .constantFrom('br', 'compress', 'zstd', 'x-gzip', 'gzip, br', 'x')
      .map(encoding => ({
        headers: json({ 'Content-Encoding': encoding }),
        body: valid,
        names: /Content-Encoding/,
        status: 415,
      })),
    fc
      .tuple(fc.constantFrom('gzip', 'deflate'), gen.junk)
      .filter(([, text]) => text !== '')
      .map(([encoding, body]) => ({
        headers: json({ 'Content-Encoding': encoding }),
        body,
        names: /body/,
        status: 400,
      })),
    fc
      .tuple(fc.constantFrom(...INVALID_UTF8), fc.boolean())
      .map(([bytes, inUrl]) => {
        const [head, tail] = inUrl
          ? [`{"urls":["${goodUrl(1).slice(0, -4)}`, '.mp4"]}']
          : ['{"', '":1}'];
        const body = Buffer.concat([
          Buffer.from(head),
          Buffer.from(bytes),
          Buffer.from(tail),
        ]);
        return { headers: json(), body, names: /UTF-8/, status: 400 };
      }),
    fc.constant({
      headers: json({ 'Content-Encoding': 'gzip' }),
      body: gzipSync(Buffer.from([0x7b, 0xff, 0x7d])),
      names: /UTF-8/,
      status: 400,
    }),
    fc.integer({ min: limitBytes + 1, max: limitBytes * 3 }).map(n => ({
      headers: json(),
      body: valid.padEnd(n),
      names: /body: is larger than/,
      status: 413,
    })),
    fc.constantFrom('', '   ', '\n').map(body => ({
      headers: json(),
      body,
      names: /body/,
      status: 400,
    })),
  );
}

type CursorChange = (t: number, id: string) => unknown;
const CURSOR_CHANGES: CursorChange[] = [
  (t, id) => [t, id, 'x'],
  (t, id) => [String(t), id],
  (t, id) => [t + 0.5, id],
  (_t, id) => [-1, id],
  (t, id) => [t, id.toUpperCase()],
  (t, id) => [t, id.slice(1)],
  (t, id) => ({ createdAt: t, id }),
  (t, id) => [id, t],
  t => [t],
  (_t, id) => [1e300, id],
  (t, id) => [t, `${id} `],
  (t, id) => ` [${t},"${id}"]`, // the same position, spelled otherwise
];
const encode = (v: unknown) =>
  Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString(
    'base64url',
  );

/**
 * A real cursor tampered with in every way listed: cut short, lengthened (also by padding, which
 * base64 decoding passes over), re-cased, or its content changed and encoded again.
 */
export function tamperedCursors(real: string): string[] {
  const [t, id] = JSON.parse(Buffer.from(real, 'base64url').toString());
  return [
    real.slice(0, -1),
    real.slice(0, -5),
    ...['=', '==', 'A', '.', '%', '+', '~', ' '].map(s => real + s),
    real.toUpperCase(),
    `A${real}`,
    ...CURSOR_CHANGES.map(change => encode(change(t, id))),
  ];
}

/** Cursors this API never returned: junk, encoded junk, or `real()` tampered with. */
export function badCursor(real: () => string): fc.Arbitrary<string> {
  return fc.oneof(
    gen.junk.filter(fits),
    fc.jsonValue({ maxDepth: 2 }).map(encode),
    fc.integer({ min: 1, max: 20 }).map(k => real().slice(0, -k)),
    fc.nat({ max: 99 }).map(i => {
      const tampered = tamperedCursors(real());
      return tampered[i % tampered.length];
    }),
  );
}

/** POST /prefetches: wrong headers or query around a valid body. */
export const createAround: fc.Arbitrary<Hostile> = fc
  .oneof<fc.Arbitrary<Hostile>[]>(
    gen.badIdempotencyKey.map(key => ({
      path: '',
      headers: { 'Idempotency-Key': key },
      names: /idempotency-key/i,
    })),
    fc
      .oneof(
        fc.constantFrom('yes', '1', '0', 'TRUE', 'True', '', 'true ', 'on'),
        gen.junk.filter(fits),
      )
      .filter(v => v !== 'true' && v !== 'false')
      .map(v => ({ path: `?${query('dryRun', v)}`, names: /dryRun/ })),
    fc
      .constantFrom('dryRun=true&dryRun=true', 'dryRun[]=true', 'dryRun[a]=1')
      .map(q => ({ path: `?${q}`, names: /dryRun/ })),
    unknownParam.map(k => ({
      path: `?${query(k, '1')}`,
      names: /Unknown query parameter/,
    })),
    badAuth.map(headers => ({
      path: '',
      headers,
      names: /credentials|token/i,
      status: 401,
    })),
  )
  .map(r => ({
    ...r,
    method: 'POST',
    path: `/prefetches${r.path}`,
    headers: { ...JSON_TYPE, ...r.headers },
    body: VALID,
  }));

const STATUSES = ['pending', 'processing', 'succeeded', 'failed'];
const ENTITY_REF = /^[^:/\s]+:[^:/\s]+\/[^:/\s]+$/;

/** GET /prefetches: one wrong filter, limit or cursor (maybe given twice), beside valid ones. */
export function listQuery(real: () => string): fc.Arbitrary<Hostile> {
  const wrong = fc.oneof(
    fc
      .oneof(
        fc.constantFrom('0', '101', '-1', '1.5', 'abc', '', '1e2', '0x10'),
        fc.constantFrom(' 5', '+5', '9'.repeat(30), 'NaN'),
        gen.junk,
      )
      .filter(s => !(/^[0-9]+$/.test(s) && +s >= 1 && +s <= 100))
      .map(v => ['limit', v] as const),
    {
      arbitrary: badCursor(real).map(v => ['cursor', v] as const),
      weight: 3,
    },
    gen.junk
      .filter(s => ![...STATUSES, 'partially_failed', 'expired'].includes(s))
      .map(v => ['status', v] as const),
    gen.badEntityRef
      .filter(s => s.trim().length > 255 || !ENTITY_REF.test(s.trim()))
      .map(v => ['entityRef', v] as const),
    gen.badAssetId.map(v => ['assetId', v] as const),
    gen.junk
      .filter(s => !/^[a-z0-9][a-z0-9_-]{0,62}$/i.test(s))
      .map(v => ['account', v] as const),
    fc
      .oneof(fc.constant(''), fc.integer({ min: 256, max: 3000 }))
      .map(
        n => ['createdBy', typeof n === 'string' ? n : 'u'.repeat(n)] as const,
      ),
  );
  return fc
    .tuple(
      wrong.filter(([, v]) => fits(v)),
      fc.option(fc.integer({ min: 1, max: 100 })),
      fc.boolean(),
    )
    .map(([[name, value], limit, twice]) => {
      const params = [query(name, value)];
      if (limit && name !== 'limit') params.push(`limit=${limit}`);
      if (twice) params.push(query(name, value));
      return {
        path: `/prefetches?${params.join('&')}`,
        names: new RegExp(name),
      };
    });
}

/** GET /prefetches/:id: an id that is none, or wrong waiting-read parameters. */
export const readPath: fc.Arbitrary<Hostile> = (() => {
  const id = fc.uuid();
  const from = 'changedFrom=pending:0:0:0';
  const timeout = fc
    .oneof(
      fc.constantFrom('abc', '4', '31', '5.5', '-1', '', '9'.repeat(15)),
      fc.constantFrom('NaN', 'Infinity', '0'),
      gen.junk,
    )
    .filter(s => !(Number.isInteger(Number(s)) && +s >= 5 && +s <= 30));
  return fc
    .oneof(
      gen.junk
        .filter(s => segment(s) && !isUuid(s))
        .map(bad => ({ path: pct(bad), names: /\bid\b/ })),
      fc
        .tuple(
          id,
          gen.junk.filter(s => !/^[a-z_]{1,20}(:\d{1,9}){3}$/.test(s)),
        )
        .map(([i, f]) => ({
          path: `${i}?${query('changedFrom', f)}`,
          names: /changedFrom/,
        })),
      fc.tuple(id, timeout).map(([i, t]) => ({
        path: `${i}?${from}&${query('timeoutSeconds', t)}`,
        names: /timeoutSeconds/,
      })),
      fc.tuple(id, fc.integer({ min: 5, max: 30 })).map(([i, t]) => ({
        path: `${i}?timeoutSeconds=${t}`,
        names: /timeoutSeconds: only with changedFrom/,
      })),
      fc.tuple(id, unknownParam).map(([i, k]) => ({
        path: `${i}?${query(k, '1')}`,
        names: /Unknown query parameter/,
      })),
      id.map(i => ({ path: `${i}?${from}&${from}`, names: /changedFrom/ })),
    )
    .filter(r => r.path.length < 12_000)
    .map(r => ({ ...r, path: `/prefetches/${r.path}` }));
})();

/** GET /quota, /accounts and /health, and any route without valid credentials. */
export const otherRoutes = (seedPath: string): fc.Arbitrary<Hostile> =>
  fc.oneof(
    gen.badAccount.filter(fits).map(v => ({
      path: `/quota?${query('account', v)}`,
      names: /account/,
    })),
    gen.badEntityRef.filter(fits).map(v => ({
      path: `/quota?${query('entityRef', v)}`,
      names: /entityRef/,
    })),
    fc
      .constantFrom('account=main&account=main', 'entityRef[x]=1')
      .map(q => ({ path: `/quota?${q}`, names: /account|entityRef/ })),
    fc
      .tuple(fc.constantFrom('/quota', '/health', '/accounts'), unknownParam)
      .map(([p, k]) => ({
        path: `${p}?${query(k, '1')}`,
        names: /Unknown query parameter/,
      })),
    fc
      .tuple(fc.constantFrom('/quota', '/accounts', seedPath), badAuth)
      .map(([path, headers]) => ({
        path,
        headers,
        names: /credentials|token/i,
        status: 401,
      })),
  );
