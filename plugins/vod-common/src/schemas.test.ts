import {
  createPrefetchRequestSchema,
  MAX_URLS_PER_PREFETCH,
  prefetchSchema,
  quotaSchema,
  vodCreatePrefetchRequestSchema,
  vodCreatePrefetchResponseSchema,
  vodErrorSchema,
  vodQueryPrefetchResponseSchema,
} from './schemas';

const ASSET = 'f488337c31c8e4622f1590735b134c65';
const url = (n: number) => `https://cdn.example.com/asset/${n}/video.mp4`;

/** The paths and messages of a failed parse, for readable assertions. */
function issues(result: { success: boolean; error?: { issues: any[] } }) {
  expect(result.success).toBe(false);
  return result.error!.issues.map(i => `${i.path.join('.')}: ${i.message}`);
}

describe('vodCreatePrefetchRequestSchema (the seed contract)', () => {
  it("accepts the seed's asset example verbatim", () => {
    const body = JSON.parse(`{
      "asset_id": "f488337c31c8e4622f1590735b134c65"
    }`);
    expect(vodCreatePrefetchRequestSchema.parse(body)).toEqual({
      asset_id: ASSET,
    });
  });

  it("accepts the seed's URL example verbatim, trimming the padded URLs", () => {
    const body = JSON.parse(
      '{  "urls": [    "    https://example.com/asset/9db42f5e08c15edecd99a98da241994a/313bfd52a75f95ff48e8bf02eca2ab20.flv",    "    https://example.com/asset/9e455adb02295aa123809e8dc7ca51c1/68b1241af3bf58bcde9914626e07f5af.mp4",    "    https://example.com/asset/9e455adb02295aa123809e8dc7ca51c1/play_video/68b1241af3bf58bcde9914626e07f5af_H.264_480X270_HEAACV1_300.mp4"  ]}',
    );
    expect(vodCreatePrefetchRequestSchema.parse(body)).toEqual({
      urls: [
        'https://example.com/asset/9db42f5e08c15edecd99a98da241994a/313bfd52a75f95ff48e8bf02eca2ab20.flv',
        'https://example.com/asset/9e455adb02295aa123809e8dc7ca51c1/68b1241af3bf58bcde9914626e07f5af.mp4',
        'https://example.com/asset/9e455adb02295aa123809e8dc7ca51c1/play_video/68b1241af3bf58bcde9914626e07f5af_H.264_480X270_HEAACV1_300.mp4',
      ],
    });
  });

  it('lower-cases an upper-case asset id', () => {
    expect(
      vodCreatePrefetchRequestSchema.parse({ asset_id: ASSET.toUpperCase() }),
    ).toEqual({ asset_id: ASSET });
  });

  it('accepts exactly ten URLs', () => {
    const urls = Array.from({ length: 10 }, (_, i) => url(i));
    expect(vodCreatePrefetchRequestSchema.parse({ urls }).urls).toHaveLength(
      10,
    );
  });

  it.each([
    ['an empty body', {}, ': exactly one of asset_id or urls is required'],
    [
      'both asset_id and urls',
      { asset_id: ASSET, urls: [url(1)] },
      ': exactly one of asset_id or urls is required',
    ],
    [
      'an 11th URL',
      { urls: Array.from({ length: 11 }, (_, i) => url(i)) },
      'urls: must hold at most 10 URLs',
    ],
    ['an empty URL list', { urls: [] }, 'urls: must hold at least one URL'],
    [
      'a URL without a scheme',
      { urls: ['cdn.example.com/a.mp4'] },
      'urls.0: must be an http(s) URL (http:// or https://)',
    ],
    [
      'an ftp URL',
      { urls: ['ftp://cdn.example.com/a.mp4'] },
      'urls.0: must be an http(s) URL (http:// or https://)',
    ],
    [
      'a URL that is only spaces',
      { urls: ['   '] },
      'urls.0: must be an http(s) URL (http:// or https://)',
    ],
    ['a non-string URL', { urls: [42] }, 'urls.0: must be a string'],
    ['urls as a string', { urls: url(1) }, 'urls: must be an array of URLs'],
    [
      'a short asset id',
      { asset_id: 'f488337c' },
      'asset_id: must be a media asset id of 32 hexadecimal characters',
    ],
    [
      'a non-hex asset id',
      { asset_id: 'z488337c31c8e4622f1590735b134c65' },
      'asset_id: must be a media asset id of 32 hexadecimal characters',
    ],
    ['a numeric asset id', { asset_id: 12 }, 'asset_id: must be a string'],
  ])('rejects %s, naming the field', (_name, body, message) => {
    expect(issues(vodCreatePrefetchRequestSchema.safeParse(body))).toContain(
      message,
    );
  });
});

describe('VOD responses', () => {
  it('reads a 202 body and keeps unknown fields', () => {
    expect(
      vodCreatePrefetchResponseSchema.parse({
        task_id: '5199337c31c8e4622f1590735b13a263',
        extra: 1,
      }),
    ).toEqual({ task_id: '5199337c31c8e4622f1590735b13a263', extra: 1 });
  });

  it('rejects a 202 body without a task id', () => {
    expect(issues(vodCreatePrefetchResponseSchema.safeParse({}))[0]).toMatch(
      /^task_id:/,
    );
  });

  it("reads the seed's 400 body", () => {
    const body = {
      error_code: 'VOD.10053',
      error_msg: 'The request parameter is illegal, illegal field: {xx}.',
    };
    expect(vodErrorSchema.parse(body)).toEqual(body);
  });

  it('rejects an error body without error_msg', () => {
    expect(
      issues(vodErrorSchema.safeParse({ error_code: 'VOD.10053' }))[0],
    ).toMatch(/^error_msg:/);
  });

  it('parses URL states case-insensitively', () => {
    const parsed = vodQueryPrefetchResponseSchema.parse({
      task_id: 't1',
      preheating_results: [
        { url: url(1), status: 'PROCESSING' },
        { url: url(2), status: 'Succeed' },
        { url: url(3), status: 'failed', reason: 'ignored' },
      ],
    });
    expect(parsed.preheating_results.map(r => r.status)).toEqual([
      'processing',
      'succeed',
      'failed',
    ]);
  });

  it('rejects an unknown URL state', () => {
    expect(
      issues(
        vodQueryPrefetchResponseSchema.safeParse({
          preheating_results: [{ url: url(1), status: 'done' }],
        }),
      )[0],
    ).toMatch(/^preheating_results\.0\.status:/);
  });
});

describe('createPrefetchRequestSchema (our API)', () => {
  it('accepts an entity reference alone, normalising its case', () => {
    expect(
      createPrefetchRequestSchema.parse({
        entityRef: 'Resource:default/Launch-Trailer',
      }),
    ).toEqual({ entityRef: 'resource:default/launch-trailer' });
  });

  it('accepts an asset id with an account', () => {
    expect(
      createPrefetchRequestSchema.parse({ assetId: ASSET, account: 'main' }),
    ).toEqual({ assetId: ASSET, account: 'main' });
  });

  it('accepts more than ten URLs, up to a day of quota', () => {
    const urls = Array.from({ length: MAX_URLS_PER_PREFETCH }, (_, i) =>
      url(i),
    );
    expect(createPrefetchRequestSchema.parse({ urls }).urls).toHaveLength(
      MAX_URLS_PER_PREFETCH,
    );
  });

  it.each([
    ['an empty body', {}, ': one of entityRef, assetId or urls is required'],
    [
      'both assetId and urls',
      { assetId: ASSET, urls: [url(1)] },
      'urls: give either assetId or urls, not both',
    ],
    [
      'an entity name without kind and namespace',
      { entityRef: 'launch-trailer' },
      'entityRef: must be an entity reference of the form kind:namespace/name',
    ],
    [
      'an account name with a slash',
      { assetId: ASSET, account: 'a/b' },
      'account: must be an account name: letters, digits, "-" or "_", at most 63 characters',
    ],
    [
      'the seed field name',
      { asset_id: ASSET },
      ': Unrecognized key: "asset_id"',
    ],
    [
      'a list over a day of quota',
      {
        urls: Array.from({ length: MAX_URLS_PER_PREFETCH + 1 }, (_, i) =>
          url(i),
        ),
      },
      `urls: must hold at most ${MAX_URLS_PER_PREFETCH} URLs`,
    ],
  ])('rejects %s, naming the field', (_name, body, message) => {
    expect(issues(createPrefetchRequestSchema.safeParse(body))).toContain(
      message,
    );
  });
});

describe('our response shapes', () => {
  const prefetch = {
    id: 'p1',
    status: 'processing',
    account: 'main',
    entityRef: 'resource:default/launch-trailer',
    assetId: ASSET,
    createdBy: 'user:default/guest',
    createdAt: '2026-11-25T10:00:00.000Z',
    updatedAt: '2026-11-25T10:00:01.000Z',
    possibleDuplicate: false,
    tasks: [
      {
        taskId: 't1',
        status: 'processing',
        results: [{ url: url(1), status: 'processing' }],
      },
    ],
  };

  it('accepts a prefetch with its tasks', () => {
    expect(prefetchSchema.parse(prefetch)).toEqual(prefetch);
  });

  it('rejects a state outside the lifecycle', () => {
    expect(
      issues(prefetchSchema.safeParse({ ...prefetch, status: 'done' }))[0],
    ).toMatch(/^status:/);
  });

  it('rejects a negative remaining quota', () => {
    expect(
      issues(
        quotaSchema.safeParse({
          account: 'main',
          limit: 1000,
          used: 1001,
          remaining: -1,
          resetsAt: '2026-11-25T16:00:00.000Z',
        }),
      )[0],
    ).toMatch(/^remaining:/);
  });
});
