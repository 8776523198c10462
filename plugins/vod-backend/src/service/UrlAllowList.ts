import { parseStreamingUrl } from '@mediaops/backstage-plugin-vod-common';

interface Prefix {
  protocol: string;
  /** Host with the port when it is not the scheme's default: both sides are canonical. */
  host: string;
  path: string;
}

/**
 * The URL prefixes an account may prefetch, parsed once at start-up. A URL is allowed when its
 * canonical form (see parseStreamingUrl) has a prefix's scheme, host and effective port, and a
 * path under the prefix's path on a whole-segment boundary: `https://cdn.example.com/asset/` and
 * `https://cdn.example.com/asset` both cover `/asset/…` and neither covers `/assets/…`;
 * `https://cdn.example.com` covers the whole host and never `cdn.example.com.evil.net`.
 */
export class UrlAllowList {
  private constructor(
    private readonly prefixes: Prefix[],
    /** The prefixes as configured, for messages. */
    readonly spelled: string[],
  ) {}

  /**
   * Parses the configured prefixes; one that cannot be parsed, or that carries a query, fails
   * with a message naming its key (`onError` builds the error).
   */
  static parse(
    prefixes: string[],
    onError: (index: number, problem: string) => Error,
  ): UrlAllowList {
    const parsed = prefixes.map((spelled, index) => {
      const check = parseStreamingUrl(spelled.trim());
      if (!check.ok) throw onError(index, `"${spelled}" ${check.reason}`);
      if (check.url.search) {
        throw onError(index, `"${spelled}" must not have a query string`);
      }
      return {
        protocol: check.url.protocol,
        host: check.url.host,
        path: check.url.pathname,
      };
    });
    return new UrlAllowList(parsed, prefixes);
  }

  get isEmpty(): boolean {
    return this.prefixes.length === 0;
  }

  /** Whether a URL in canonical form lies under one of the prefixes. */
  allows(url: URL): boolean {
    return this.prefixes.some(
      prefix =>
        url.protocol === prefix.protocol &&
        url.host === prefix.host &&
        isUnder(url.pathname, prefix.path),
    );
  }
}

function isUnder(path: string, prefix: string): boolean {
  if (prefix.endsWith('/')) return path.startsWith(prefix);
  return path === prefix || path.startsWith(`${prefix}/`);
}
