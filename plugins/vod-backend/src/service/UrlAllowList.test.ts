import { streamingUrlSchema } from '@mediaops/backstage-plugin-vod-common';
import { UrlAllowList } from './UrlAllowList';

/** `javascript:`, spelled so that linters do not take it for code. */
const SCRIPT = ['java', 'script:'].join('');

/** What the API does with a URL: parse it strictly, then hold its canonical form to the list. */
function verdict(list: UrlAllowList, raw: string): string {
  const parsed = streamingUrlSchema.safeParse(raw);
  if (!parsed.success) return `refused: ${parsed.error.issues[0].message}`;
  return list.allows(new URL(parsed.data))
    ? `allowed ${parsed.data}`
    : 'outside';
}

const list = (...prefixes: string[]) =>
  UrlAllowList.parse(prefixes, (i, problem) => new Error(`[${i}] ${problem}`));

// Both spellings operators write: a path prefix with its slash, and a bare host.
describe.each([
  ['a path prefix', 'https://cdn.example.com/asset/'],
  ['a path prefix without its slash', 'https://cdn.example.com/asset'],
  ['a bare host', 'https://cdn.example.com'],
])('UrlAllowList with %s (%s)', (_name, prefix) => {
  const allowList = list(prefix);
  const bareHost = !prefix.includes('/asset');

  it.each([
    [
      'a look-alike host ending',
      'https://cdn.example.com.evil.net/asset/a.mp4',
      'outside',
    ],
    [
      'userinfo before the host',
      'https://cdn.example.com@evil.net/asset/a.mp4',
      'refused: must not contain a user name',
    ],
    [
      'userinfo before an allowed host',
      'https://evil@cdn.example.com/asset/a.mp4',
      'refused: must not contain a user name',
    ],
    [
      'a dot-dot segment',
      'https://cdn.example.com/asset/../private/a.mp4',
      'refused: must not contain "." or ".."',
    ],
    [
      'a dot segment',
      'https://cdn.example.com/asset/./a.mp4',
      'refused: must not contain "." or ".."',
    ],
    [
      'encoded dots',
      'https://cdn.example.com/asset/%2e%2e/private/a.mp4',
      'refused: must not contain an encoded',
    ],
    [
      'mixed encoded dots',
      'https://cdn.example.com/asset/.%2E/private/a.mp4',
      'refused: must not contain an encoded',
    ],
    [
      'an encoded slash',
      'https://cdn.example.com/asset%2f..%2fprivate/a.mp4',
      'refused: must not contain an encoded',
    ],
    [
      'an encoded backslash',
      'https://cdn.example.com/asset/..%5Cprivate/a.mp4',
      'refused: must not contain an encoded',
    ],
    [
      'a backslash',
      'https://cdn.example.com/asset\\..\\private\\a.mp4',
      'refused: must not contain a backslash',
    ],
    [
      'a backslash before a host',
      'https://evil.net\\@cdn.example.com/asset/a.mp4',
      'refused: must not contain a backslash',
    ],
    [
      'a control character',
      'https://cdn.example.com/asset/a\u0000.mp4',
      'refused: must not contain control characters',
    ],
    [
      'a tab',
      'https://cdn.example.com/as\tset/a.mp4',
      'refused: must not contain control characters',
    ],
    [
      'an encoded control character',
      'https://cdn.example.com/asset/a%0a.mp4',
      'refused: must not contain an encoded control',
    ],
    [
      'whitespace inside',
      'https://cdn.example.com/asset/a b.mp4',
      'refused: must not contain whitespace',
    ],
    [
      'a script URL',
      `${SCRIPT}//cdn.example.com/asset/%0aalert(1)`,
      'refused: must be an http(s) URL',
    ],
    [
      'ftp:',
      'ftp://cdn.example.com/asset/a.mp4',
      'refused: must be an http(s) URL',
    ],
    ['another scheme', 'http://cdn.example.com/asset/a.mp4', 'outside'],
    ['another port', 'https://cdn.example.com:8443/asset/a.mp4', 'outside'],
    [
      'a fragment',
      'https://cdn.example.com/asset/a.mp4#x',
      'refused: must not contain a fragment',
    ],
  ])('treats %s as %s', (_what, raw, expected) => {
    expect(verdict(allowList, raw)).toContain(expected);
  });

  it('keeps a sibling path that only shares the prefix text outside', () => {
    expect(verdict(allowList, 'https://cdn.example.com/assets/a.mp4')).toBe(
      bareHost ? 'allowed https://cdn.example.com/assets/a.mp4' : 'outside',
    );
    expect(verdict(allowList, 'https://cdn.example.com/private/a.mp4')).toBe(
      bareHost ? 'allowed https://cdn.example.com/private/a.mp4' : 'outside',
    );
  });

  it.each([
    'https://cdn.example.com/asset/A.mp4',
    'HTTPS://CDN.EXAMPLE.COM/asset/A.mp4',
    'https://Cdn.Example.Com./asset/A.mp4',
    'https://cdn.example.com:443/asset/A.mp4',
    '  https://cdn.example.com/asset/A.mp4  ',
  ])('allows %j, in its canonical form', raw => {
    expect(verdict(allowList, raw)).toBe(
      'allowed https://cdn.example.com/asset/A.mp4',
    );
  });
});

describe('UrlAllowList.parse', () => {
  it('names the prefix it cannot use', () => {
    expect(() => list('https://cdn.example.com/', 'cdn.example.com')).toThrow(
      '[1] "cdn.example.com" must be an http(s) URL',
    );
    expect(() => list('https://a@cdn.example.com/')).toThrow(
      '[0] "https://a@cdn.example.com/" must not contain a user name or password',
    );
  });

  it('compares a prefix written with a default port or upper case like any other', () => {
    const allowList = list('HTTPS://CDN.example.com:443/Asset/');
    expect(verdict(allowList, 'https://cdn.example.com/Asset/a.mp4')).toBe(
      'allowed https://cdn.example.com/Asset/a.mp4',
    );
    expect(verdict(allowList, 'https://cdn.example.com/asset/a.mp4')).toBe(
      'outside', // paths are case-sensitive
    );
  });
});
