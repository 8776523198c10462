import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner';
import type { SimulatedAccount } from './options';

// AK/SK verification as API Gateway does it, assembled from the building blocks of the OFFICIAL
// Huawei Cloud signer (not from our plugin's signer), so that a bug shared by our client and our
// own checks cannot hide. Where the official SDK departs from the wire protocol, the server side
// is fed what the protocol says: the path and query are decoded first, and the payload hash is
// taken over the exact bytes received.
class OfficialSignerParts extends AKSKSigner {
  static canonicalRequest(parts: {
    method: string;
    path: string;
    query: Record<string, string | string[]>;
    headers: Record<string, string>;
    signedHeaders: string;
    body: Buffer;
  }): string {
    return this.buildCanonicalRequest(
      parts.method,
      this.CanonicalURI(parts.path),
      this.CanonicalQueryString({ queryParams: parts.query }),
      this.buildCanonicalHeaders(parts.headers),
      parts.signedHeaders,
      (this.Hex as (data: string | Buffer) => string)(parts.body),
    );
  }

  static signature(secret: string, sdkDate: string, canonicalRequest: string) {
    return this.hmacSHA256(
      secret,
      this.getStringToSign(
        'SDK-HMAC-SHA256',
        sdkDate,
        this.Hex(canonicalRequest),
      ),
    );
  }
}

export interface SignedRequest {
  method: string;
  /** Path as received, percent-encoded. */
  path: string;
  /** Query as received, without `?`. */
  query: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type Verification =
  | { ok: true; account: SimulatedAccount }
  | { ok: false; message: string };

const AUTHORIZATION =
  /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-fA-F]+)$/;

/** Verifies an `Authorization: SDK-HMAC-SHA256 …` request against the known accounts. */
export function verifyAkSk(
  request: SignedRequest,
  accounts: SimulatedAccount[],
  now: number,
  maxSkewMs: number,
): Verification {
  const match = AUTHORIZATION.exec(String(request.headers.authorization ?? ''));
  if (!match) {
    return fail('Authorization header is not SDK-HMAC-SHA256');
  }
  const [, accessKeyId, signedHeaders, signature] = match;
  const account = accounts.find(a => a.accessKeyId === accessKeyId);
  if (!account) {
    return fail('the access key id does not exist');
  }

  const names = signedHeaders.split(';');
  if (!names.includes('host') || !names.includes('x-sdk-date')) {
    return fail('host and x-sdk-date must be signed');
  }
  const sdkDate = header(request.headers, 'x-sdk-date');
  const sentAt = parseSdkDate(sdkDate);
  if (sentAt === undefined) {
    return fail(`X-Sdk-Date "${sdkDate}" is not YYYYMMDDTHHMMSSZ`);
  }
  if (Math.abs(now - sentAt) > maxSkewMs) {
    // API Gateway's own words for an X-Sdk-Date too far either side of its clock (Huawei Cloud's
    // FAQ "calc ak sk signature fail:signature expired"), under the code of every IAM
    // authentication refusal; its answer's Date header gives the server time.
    return fail('calc ak sk signature fail:signature expired');
  }
  if (account.securityToken) {
    if (!names.includes('x-security-token')) {
      return fail('temporary credentials need a signed X-Security-Token');
    }
    if (header(request.headers, 'x-security-token') !== account.securityToken) {
      return fail('the security token is invalid');
    }
  }

  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = request.headers[name];
    if (value === undefined) {
      return fail(`signed header ${name} is missing`);
    }
    headers[name] = Array.isArray(value) ? value.join(',') : String(value);
  }
  const canonicalRequest = OfficialSignerParts.canonicalRequest({
    method: request.method,
    path: decodePath(request.path),
    query: parseQuery(request.query),
    headers,
    signedHeaders,
    body: request.body,
  });
  const expected = OfficialSignerParts.signature(
    account.secretAccessKey,
    sdkDate,
    canonicalRequest,
  );
  if (!sameHex(expected, signature.toLowerCase())) {
    // Like API Gateway, tell the caller what the server signed: it is how clock and
    // canonicalisation bugs get found.
    return fail(
      `verify aksk signature fail, canonicalRequest: ${JSON.stringify(
        canonicalRequest,
      )}`,
    );
  }
  return { ok: true, account };
}

function fail(message: string): Verification {
  return {
    ok: false,
    message: `Incorrect IAM authentication information: ${message}`,
  };
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value ?? '';
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `YYYYMMDDTHHMMSSZ` to epoch ms, or undefined. */
export function parseSdkDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function decodePath(path: string): string {
  return path.split('/').map(decode).join('/');
}

/** The query as the official signer wants it: decoded, repeated keys as arrays. */
export function parseQuery(query: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const part of query.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = decode(
      (eq === -1 ? part : part.slice(0, eq)).replace(/\+/g, ' '),
    );
    const value = decode(
      (eq === -1 ? '' : part.slice(eq + 1)).replace(/\+/g, ' '),
    );
    const existing = params[key];
    if (existing === undefined) params[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else params[key] = [existing, value];
  }
  return params;
}
