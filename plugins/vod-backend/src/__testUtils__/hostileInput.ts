// Generators of malformed input for the hostile-input property tests (plugin.hostile.test.ts):
// each value is wrong by construction, for a reason that does not depend on the code under test,
// and comes with the name its refusal must mention.
import fc from 'fast-check';

/** A request body wrong in one field, and the field (or words) its refusal must name. */
export type Defect = { body: string; names: RegExp };

export const ASSET = '3c5b0f1e7a2d4b6c8e9f0a1b2c3d4e5f'; // LOOSE_ASSET: published, no entity
/** A URL every route must refuse, whatever else it takes. */
// eslint-disable-next-line no-script-url
export const SCRIPT_URL = 'javascript:alert(1)';
export const goodUrl = (i: number) => `https://cdn.example.com/v/${i}.mp4`;

const NASTY = [
  '\u0000',
  '\r\n',
  '\t',
  ' ',
  '\u202e',
  '\ufeff',
  '\u200b',
  '%00',
  '%0d%0a',
  '..',
  '..%2f',
  '%2e%2e',
  '%252e',
  '/',
  '\\',
  '"',
  "'",
  '<script>',
  SCRIPT_URL,
  '\ud800',
  '😀',
  'é',
  '。',
  '${jndi:ldap://x}',
  '{{7*7}}',
  "' OR 1=1 --",
  '__proto__',
  'NaN',
  '1e309',
  'İ',
];

/** Strings of every kind: binary, unicode, control characters, injection pieces, huge. */
export const junk: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc
    .array(fc.constantFrom(...NASTY), { minLength: 1, maxLength: 5 })
    .map(parts => parts.join('')),
  fc
    .tuple(
      fc.constantFrom('a', 'é', '\u0000', '%', '😀'),
      fc.integer({ min: 256, max: 4000 }),
    )
    .map(([c, n]) => c.repeat(n)),
);

/** JSON values that are not strings: what a string field must never take. */
export const notString: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 3 }), {
    maxKeys: 3,
  }),
);

const hex = (min: number, max: number) =>
  fc.string({
    unit: fc.constantFrom(...'0123456789abcdefABCDEF'),
    minLength: min,
    maxLength: max,
  });

/** Never an asset id: not 32 hexadecimal characters once trimmed. */
export const badAssetId = fc
  .oneof(
    junk,
    hex(0, 31),
    hex(33, 64),
    fc
      .tuple(hex(16, 16), fc.constantFrom(...NASTY, 'g', '０'), hex(15, 16))
      .map(p => p.join('')),
  )
  .filter(s => !/^[0-9a-fA-F]{32}$/.test(s.trim()));

/** Never a valid entity reference (or one no catalog holds: junk in its form). */
export const badEntityRef = fc.oneof(
  junk,
  fc.constantFrom(
    'resource:default/trailer/extra',
    'resource/default:trailer',
    ':default/trailer',
    'resource:default/',
    `resource:default/${'t'.repeat(300)}`,
    'resource:default/trailer\u0000',
    'resource:default/tr ailer',
  ),
);

/** Never a configured account: not the form of a name, or a name that is not `main`. */
export const badAccount = junk.filter(s => s !== 'main');

const safe = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_'),
  minLength: 1,
  maxLength: 12,
});

/** Never a URL the account may prefetch: each wrong in its scheme, host, path, length or form. */
export const badUrl: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(
        `${SCRIPT_URL}//`,
        SCRIPT_URL.toUpperCase().slice(0, 11),
        'data:text/html,',
        'ftp://',
        'file://',
        '//',
        'https:/',
        'https:',
        'ht tp://',
        'https:\\\\',
        'blob:https://',
        '\u0000https://',
        'ws://',
      ),
      safe,
    )
    .map(([scheme, p]) => `${scheme}cdn.example.com/${p}.mp4`),
  fc
    .tuple(
      fc.constantFrom(
        'cdn.example.com.evil.test',
        'cdn.example.com@evil.test',
        'evil.test#@cdn.example.com',
        'user:pw@cdn.example.com',
        'cdn.example。com',
        'cdn．example．com',
        'ｃｄｎ.example.com',
        'cdn.exаmple.com', // Cyrillic а
        'cdn.example.com%2eevil.test',
        'cdn.example.com:8443',
        'cdn.example.com:99999',
        '[::1]',
        '127.0.0.1',
        'cdn.example.com%00.evil.test',
        '',
        'evil.test\\@cdn.example.com',
        'xn--cdn-9na.example.com',
      ),
      safe,
    )
    .map(([host, p]) => `https://${host}/${p}.mp4`),
  fc
    .tuple(
      safe,
      fc.constantFrom(
        '/..%2f..%2fetc/passwd',
        '/%2e%2e/x',
        '/a/../b',
        '/./a',
        '/a%00b',
        '/a%0d%0ab',
        '/a\u0000b',
        '/a\r\nb',
        '/a b',
        '/a\\b',
        '/%252e%252e/x',
        '#frag',
        '/a%5cb',
        '/a%2fb',
        '/%2E%2E',
        '/a/..;/b',
        '/a/%2e/b',
      ),
      safe,
    )
    .map(([a, trick, b]) => `https://cdn.example.com/${a}${trick}${b}`),
  fc
    .integer({ min: 2049, max: 4000 })
    .map(n => `https://cdn.example.com/${'a'.repeat(n)}`),
  junk.filter(s => !/^\s*https?:\/\//i.test(s)),
);

/** Lists of URLs wrong as a whole or in one place; `max` is the longest list allowed. */
export const badUrls = (max: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    notString.filter(v => !Array.isArray(v)),
    junk,
    fc.constant([]),
    fc
      .integer({ min: max + 1, max: max + 30 })
      .map(n => Array.from({ length: n }, (_, i) => goodUrl(i))),
    fc
      .tuple(fc.integer({ min: 0, max: 5 }), fc.oneof(badUrl, notString))
      .map(([at, bad]) => {
        const urls: unknown[] = Array.from({ length: at + 1 }, (_, i) =>
          goodUrl(i),
        );
        urls[at] = bad;
        return urls;
      }),
  );

/** A JSON object's text with one more member, spelled as given (e.g. `__proto__`). */
export const withMember = (base: object, key: string, value: unknown) =>
  `${JSON.stringify(base).slice(0, -1)}${
    Object.keys(base).length ? ',' : ''
  }${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}}`;

/** Deeply nested JSON, `depth` levels of arrays or objects, alone or as a field. */
export const deepJson = fc
  .tuple(fc.integer({ min: 100, max: 15_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays
      ? `${'['.repeat(depth)}${']'.repeat(depth)}`
      : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
  );

/** Bodies that are not a JSON object: other JSON, or not JSON at all. */
export const notAnObject: fc.Arbitrary<string> = fc.oneof(
  fc
    .jsonValue({ maxDepth: 3 })
    .filter(v => typeof v !== 'object' || v === null || Array.isArray(v))
    .map(v => JSON.stringify(v)),
  deepJson.filter(text => text.startsWith('[')),
  fc.constantFrom(
    '{',
    '{"a":',
    '{"urls":["x",]}',
    "{'assetId':'x'}",
    '{"a":1}}',
    'NaN',
    '{"a":1 /* c */}',
    'undefined',
  ),
  junk.filter(s => {
    try {
      const v = JSON.parse(s);
      return typeof v !== 'object' || v === null || Array.isArray(v);
    } catch {
      return s.trim() !== '';
    }
  }),
);

/** The body of `POST /prefetches`, wrong in one field (or in its whole). */
export const badCreateBody: fc.Arbitrary<Defect> = fc
  .tuple(
    fc.constantFrom<object>(
      { assetId: ASSET },
      { urls: [goodUrl(1)] },
      { entityRef: 'resource:default/trailer' },
    ),
    fc.oneof(
      badAssetId.map(v => ['assetId', v, /assetId/] as const),
      notString.map(v => ['assetId', v, /assetId/] as const),
      badEntityRef.map(v => ['entityRef', v, /entityRef/] as const),
      notString.map(v => ['entityRef', v, /entityRef/] as const),
      badAccount.map(v => ['account', v, /account/] as const),
      notString.map(v => ['account', v, /account/] as const),
      badUrls(100).map(v => ['urls', v, /urls/] as const),
      fc
        .tuple(junk, fc.jsonValue({ maxDepth: 2 }))
        .filter(
          ([key]) => !['assetId', 'urls', 'entityRef', 'account'].includes(key),
        )
        .map(([key, v]) => [key, v, /Unrecognized key/] as const),
      fc.constant([
        '__proto__',
        { assetId: ASSET },
        /Unrecognized key/,
      ] as const),
    ),
  )
  .map(([base, [key, value, names]]) => {
    const rest = Object.fromEntries(
      Object.entries(base).filter(([k]) => k !== key),
    );
    return { body: withMember(rest, key, value), names };
  });

/** The body of the seed's create call, wrong in one field, by the count of its URLs, or whole. */
export const badSeedBody: fc.Arbitrary<Defect> = fc.oneof(
  badAssetId.map(v => ({
    body: JSON.stringify({ asset_id: v }),
    names: /\{asset_id\}/,
  })),
  notString.map(v => ({
    body: withMember({}, 'asset_id', v),
    names: /\{asset_id\}/,
  })),
  badUrls(10).map(v => ({
    body: withMember({}, 'urls', v),
    names: /\{urls\}/,
  })),
  fc.integer({ min: 11, max: 40 }).map(n => ({
    body: JSON.stringify({
      urls: Array.from({ length: n }, (_, i) => goodUrl(i)),
    }),
    names: /\{urls\}.*at most 10/,
  })),
  fc.constantFrom(
    { body: '{}', names: /\{asset_id\}.*exactly one/ },
    {
      body: JSON.stringify({ asset_id: ASSET, urls: [goodUrl(1)] }),
      names: /exactly one/,
    },
    { body: JSON.stringify({ assetId: ASSET }), names: /exactly one/ },
  ),
  notAnObject.map(body => ({ body, names: /\{body\}/ })),
);

/** A Content-Type that is not JSON in UTF-8, and what its refusal names. */
export const badContentType = fc.oneof(
  fc
    .constantFrom(
      'text/plain',
      'text/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonx',
      'application/xml',
      'application/json-patch+json',
      '*/*',
      'json',
      'application/',
      ';charset=utf-8',
    )
    .map(type => ({ type, names: /Content-Type: must be application\/json/ })),
  fc
    .constantFrom(
      'utf-16',
      'UTF-16LE',
      'latin1',
      'iso-8859-1',
      'utf-99',
      'us-ascii',
      'utf-7',
      '"utf-32"',
      'koi8-r',
      '',
    )
    .map(charset => ({
      type: `application/json; charset=${charset}`,
      names: /charset must be utf-8/,
    })),
);

/** An Idempotency-Key header that is not 1 to 255 printable ASCII characters. */
export const badIdempotencyKey = fc.oneof(
  fc.constant(''),
  fc.integer({ min: 256, max: 2000 }).map(n => 'k'.repeat(n)),
  fc
    .tuple(
      safe,
      fc.constantFrom(' ', '\t', 'é', '\u00a0', '\u00ff', '  '),
      safe,
    )
    .map(parts => parts.join('')),
);

/** Fully percent-encoded (UTF-8): a path segment or query value that reaches the router as is. */
export const pct = (s: string) =>
  Array.from(
    Buffer.from(s, 'utf8'),
    b => `%${b.toString(16).padStart(2, '0')}`,
  ).join('');
