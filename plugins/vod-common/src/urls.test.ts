import { isUrlOfAsset, parseStreamingUrl } from './urls';

/** `javascript:`, spelled so that linters do not take it for code. */
const SCRIPT = ['java', 'script:'].join('');

const ASSET = '9db42f5e08c15edecd99a98da241994a';

describe('parseStreamingUrl', () => {
  it.each([
    [
      'a control character',
      'https://cdn.example.com/asset/a\u0000.mp4',
      'control characters',
    ],
    [
      'a line feed',
      'https://cdn.example.com/asset/a\n.mp4',
      'control characters',
    ],
    [
      'a C1 control character',
      'https://cdn.example.com/asset/\u0085a.mp4',
      'control characters',
    ],
    ['a space inside', 'https://cdn.example.com/asset/a b.mp4', 'whitespace'],
    [
      'a no-break space',
      'https://cdn.example.com/asset/a\u00a0b.mp4',
      'whitespace',
    ],
    [
      'a backslash',
      'https://cdn.example.com/asset\\..\\secret.mp4',
      'backslash',
    ],
    [
      'a backslash as the path',
      'https://cdn.example.com\\@evil.net/',
      'backslash',
    ],
    ['no scheme', 'cdn.example.com/asset/a.mp4', 'http(s) URL'],
    [
      'a script URL',
      `${SCRIPT}alert(1)//https://cdn.example.com/`,
      'http(s) URL',
    ],
    ['ftp', 'ftp://cdn.example.com/asset/a.mp4', 'http(s) URL'],
    [
      'a scheme without slashes',
      'https:cdn.example.com/asset/a.mp4',
      'http(s) URL',
    ],
    [
      'userinfo',
      'https://cdn.example.com@evil.net/asset/a.mp4',
      'user name or password',
    ],
    [
      'a password',
      'https://user:pw@cdn.example.com/asset/a.mp4',
      'user name or password',
    ],
    [
      'an empty userinfo',
      'https://@cdn.example.com/asset/a.mp4',
      'user name or password',
    ],
    ['no host', 'https:///evil.net/asset/a.mp4', 'must name a host'],
    ['a fragment', 'https://cdn.example.com/asset/a.mp4#x', 'fragment'],
    [
      'an encoded dot',
      'https://cdn.example.com/asset/%2e%2e/secret.mp4',
      'encoded',
    ],
    [
      'an encoded dot, upper case',
      'https://cdn.example.com/asset/%2E./x.mp4',
      'encoded',
    ],
    [
      'an encoded slash',
      'https://cdn.example.com/asset%2f..%2fsecret.mp4',
      'encoded',
    ],
    [
      'an encoded backslash',
      'https://cdn.example.com/asset/..%5csecret.mp4',
      'encoded',
    ],
    [
      'an encoded NUL',
      'https://cdn.example.com/asset/a%00.mp4',
      'encoded control',
    ],
    [
      'double encoding',
      'https://cdn.example.com/asset/%252e%252e/x.mp4',
      'double-encoded',
    ],
    [
      'a dot-dot segment',
      'https://cdn.example.com/asset/../secret.mp4',
      '".."',
    ],
    ['a dot segment', 'https://cdn.example.com/./asset/a.mp4', '".."'],
    [
      'a dot-dot segment with parameters',
      'https://cdn.example.com/asset/..;x/secret.mp4',
      '".."',
    ],
    [
      'an invalid port',
      'https://cdn.example.com:99999/asset/a.mp4',
      'not a valid URL',
    ],
    ['an invalid host', 'https://cdn exa/asset/a.mp4', 'whitespace'],
    [
      'a huge URL',
      `https://cdn.example.com/${'a'.repeat(3000)}`,
      'at most 2048',
    ],
    [
      'a URL that percent-encoding makes huge',
      `https://cdn.example.com/${'视'.repeat(300)}.mp4`,
      'once percent-encoded',
    ],
  ])('refuses %s', (_name, raw, reason) => {
    const check = parseStreamingUrl(raw);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.reason).toContain(reason);
  });

  it.each([
    ['upper-case scheme and host', 'HTTPS://CDN.Example.COM/asset/A.mp4'],
    ['a trailing dot on the host', 'https://cdn.example.com./asset/A.mp4'],
    ['the default port', 'https://cdn.example.com:443/asset/A.mp4'],
    ['all three', 'HTTPS://CDN.EXAMPLE.COM.:443/asset/A.mp4'],
  ])('canonicalises %s', (_name, raw) => {
    const check = parseStreamingUrl(raw);
    expect(check.ok && check.url.href).toBe(
      'https://cdn.example.com/asset/A.mp4',
    );
  });

  it('keeps a query string and a non-default port', () => {
    const check = parseStreamingUrl(
      'https://cdn.example.com:8443/asset/a.mp4?auth_key=1-0-0-ab%2Fcd',
    );
    expect(check.ok && check.url.href).toBe(
      'https://cdn.example.com:8443/asset/a.mp4?auth_key=1-0-0-ab%2Fcd',
    );
  });

  it('writes an internationalised host in its ASCII form', () => {
    const check = parseStreamingUrl('https://cdn.exаmple.com/asset/a.mp4'); // Cyrillic а
    expect(check.ok && check.url.hostname).toMatch(/^cdn\.xn--/);
  });
});

describe('isUrlOfAsset', () => {
  const url = (raw: string) => new URL(raw);

  it.each([
    `https://example.com/asset/${ASSET}/313bfd52a75f95ff48e8bf02eca2ab20.flv`,
    `https://vod.example.com/asset/${ASSET}/play_video/${ASSET}_H.264_480X270.mp4`,
    `https://cdn.example.com/asset/${ASSET.toUpperCase()}/a.mp4`,
  ])('accepts %s', raw => {
    expect(isUrlOfAsset(url(raw), ASSET)).toBe(true);
  });

  it.each([
    `https://example.com/asset/${ASSET}`,
    `https://example.com/asset/${ASSET}/`,
    `https://example.com/asset/9e455adb02295aa123809e8dc7ca51c1/a.mp4`,
    `https://example.com/assets/${ASSET}/a.mp4`,
    `https://example.com/${ASSET}/asset/a.mp4`,
    `https://example.com/asset/${ASSET}x/a.mp4`,
    `https://example.com/tenant/asset/${ASSET}/a.mp4`,
    `https://example.com/asset/9e455adb02295aa123809e8dc7ca51c1/asset/${ASSET}/a.mp4`,
    `https://example.com/Asset/${ASSET}/a.mp4`,
  ])('refuses %s', raw => {
    expect(isUrlOfAsset(url(raw), ASSET)).toBe(false);
  });
});
