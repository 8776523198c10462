/**
 * The longest streaming URL accepted, in characters.
 *
 * @public
 */
export const MAX_STREAMING_URL_LENGTH = 2048;

/**
 * A streaming URL after parsing: its canonical form, or why it is refused.
 *
 * @public
 */
export type StreamingUrlCheck =
  | { ok: true; url: URL }
  | { ok: false; reason: string };

/**
 * Parses a streaming URL the way the allow-list and VOD must see it, refusing every spelling that
 * a parser, a CDN or an origin could read differently from us: control characters, whitespace,
 * backslashes, a user name or password, a fragment, encoded `.` `/` `\` or control characters
 * (and double encoding) in the path, and `.`/`..` path segments. What passes is returned in its
 * canonical WHATWG form: lower-case scheme and host, no trailing dot on the host, no default
 * port. That form is what gets checked, recorded and sent to VOD.
 *
 * Surrounding whitespace is not trimmed here (the schemas trim it: the seed's own example pads
 * its URLs with spaces).
 *
 * @public
 */
export function parseStreamingUrl(raw: string): StreamingUrlCheck {
  const refuse = (reason: string) => ({ ok: false as const, reason });
  if (raw.length > MAX_STREAMING_URL_LENGTH) {
    return refuse(
      `must be at most ${MAX_STREAMING_URL_LENGTH} characters long`,
    );
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(raw)) {
    return refuse('must not contain control characters');
  }
  if (/\s/.test(raw)) return refuse('must not contain whitespace');
  if (raw.includes('\\')) return refuse('must not contain a backslash');
  const scheme = /^(https?):\/\//i.exec(raw);
  if (!scheme) return refuse('must be an http(s) URL (http:// or https://)');

  const rest = raw.slice(scheme[0].length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const afterAuthority = authorityEnd < 0 ? '' : rest.slice(authorityEnd);
  if (authority.includes('@')) {
    return refuse('must not contain a user name or password (user@host)');
  }
  if (!authority) return refuse('must name a host');
  if (raw.includes('#')) return refuse('must not contain a fragment (#…)');

  const rawPath = afterAuthority.split('?', 1)[0];
  if (/%(2e|2f|5c)/i.test(rawPath)) {
    return refuse(
      'must not contain an encoded ".", "/" or "\\" in its path (%2e, %2f, %5c)',
    );
  }
  if (/%([01][0-9a-f]|7f)/i.test(rawPath)) {
    return refuse('must not contain an encoded control character in its path');
  }
  if (/%25/i.test(rawPath)) {
    return refuse('must not contain a double-encoded "%" in its path (%25)');
  }
  if (
    rawPath.split('/').some(segment => /^\.\.?$/.test(segment.split(';', 1)[0]))
  ) {
    return refuse('must not contain "." or ".." path segments');
  }

  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return refuse('is not a valid URL');
  }
  const host = parsed.hostname.replace(/\.$/, '');
  if (!host) return refuse('must name a host');
  const port = parsed.port ? `:${parsed.port}` : '';
  const url = new URL(
    `${parsed.protocol}//${host}${port}${parsed.pathname}${parsed.search}`,
  );
  // Percent-encoding can make the canonical form much longer than what was typed.
  if (url.href.length > MAX_STREAMING_URL_LENGTH) {
    return refuse(
      `must be at most ${MAX_STREAMING_URL_LENGTH} characters long once percent-encoded`,
    );
  }
  return { ok: true, url };
}

/**
 * True when a (canonical) streaming URL is a file of the given media asset: VOD's playback URLs
 * have the path `/asset/<asset-id>/…`, so the path must begin with the segment `asset`, the asset
 * id, and at least one more segment, the last one not empty. Nowhere else in the path counts: a
 * URL of another asset must not pass for this one's by naming it further down.
 *
 * @public
 */
export function isUrlOfAsset(url: URL, assetId: string): boolean {
  const [empty, asset, id, ...rest] = url.pathname.split('/');
  return (
    empty === '' &&
    asset === 'asset' &&
    id?.toLowerCase() === assetId.toLowerCase() &&
    rest.length > 0 &&
    rest[rest.length - 1] !== ''
  );
}
