import { createHmac, hash } from 'node:crypto';

// SDK-HMAC-SHA256, the AK/SK request signing of Huawei Cloud APIs, as the server verifies it.
// Pure functions: the caller passes the time, nothing here does I/O. The hot path avoids URL
// parsing, regex replacement and intermediate arrays where the common case needs none, and uses
// the one-shot `crypto.hash` (no Hash object to allocate) for the two digests.

/** The algorithm name in the string to sign and the Authorization header. */
export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';

/** SHA-256 of the empty body. */
export const EMPTY_BODY_SHA256 =
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * AK/SK credentials; a security token marks temporary credentials.
 *
 * @alpha
 */
export interface SigningCredentials {
  /** The access key id (AK), sent in the Authorization header. */
  accessKeyId: string;
  /** The secret access key (SK), the HMAC key; never sent. */
  secretAccessKey: string;
  /** The security token of temporary credentials, signed and sent as `X-Security-Token`. */
  securityToken?: string;
}

/**
 * A request as it will go on the wire.
 *
 * @alpha
 */
export interface RequestToSign {
  /** The HTTP method, e.g. `POST`. */
  method: string;
  /** The Host header value: host name, and the port when it is not the scheme's default. */
  host: string;
  /** The path as sent, percent-encoded, starting with `/`. */
  path: string;
  /** The query string as sent, without `?`; empty or absent for none. */
  query?: string;
  /** Every other header to sign and send, e.g. Content-Type and X-Project-Id. */
  headers: Readonly<Record<string, string>>;
  /** The exact body bytes sent (a string is sent as UTF-8). */
  body?: string | Uint8Array;
}

/**
 * Every intermediate of a signature, for tests and for debugging a refusal.
 *
 * @alpha
 */
export interface Signature {
  /** Method, canonical path, query and headers, signed header names and the body's SHA-256. */
  canonicalRequest: string;
  /** The algorithm, the `X-Sdk-Date` and the canonical request's SHA-256. */
  stringToSign: string;
  /** The signed header names, lower case, `;`-separated. */
  signedHeaders: string;
  /** HMAC-SHA256 of the string to sign with the secret access key, hex. */
  signature: string;
  /** The `Authorization` header value. */
  authorization: string;
}

/** `YYYYMMDDTHHMMSSZ` in UTC, the format of `X-Sdk-Date`. */
export function formatSdkDate(date: Date): string {
  const iso = date.toISOString(); // 2024-05-20T08:30:00.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(
    11,
    13,
  )}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/**
 * Signs a request and returns the headers to send with it: the request's own headers plus
 * `X-Sdk-Date`, `X-Security-Token` for temporary credentials, and `Authorization`. The Host
 * header is signed but not returned: the HTTP client sets it from the origin.
 *
 * @alpha
 */
export function signRequest(
  request: RequestToSign,
  credentials: SigningCredentials,
  now: Date,
): Record<string, string> {
  const sdkDate = formatSdkDate(now);
  const { authorization } = computeSignature(request, credentials, sdkDate);
  const headers: Record<string, string> = {
    ...request.headers,
    'X-Sdk-Date': sdkDate,
    Authorization: authorization,
  };
  if (credentials.securityToken) {
    headers['X-Security-Token'] = credentials.securityToken;
  }
  return headers;
}

/**
 * Computes the signature of a request sent at `sdkDate` (`YYYYMMDDTHHMMSSZ`).
 *
 * @alpha
 */
export function computeSignature(
  request: RequestToSign,
  credentials: SigningCredentials,
  sdkDate: string,
): Signature {
  // Signed headers as parallel name/value lists kept sorted by insertion: a handful of entries,
  // so this beats building and sorting pairs.
  const names: string[] = ['host', 'x-sdk-date'];
  const values: string[] = [trimmed(request.host), sdkDate];
  const own = request.headers;
  for (const name of Object.keys(own)) {
    const lower = lowerCase(name);
    // These three come from `host`, the date and the credentials.
    if (
      lower !== 'host' &&
      lower !== 'x-sdk-date' &&
      lower !== 'x-security-token'
    ) {
      insertSorted(names, values, lower, trimmed(own[name]));
    }
  }
  if (credentials.securityToken) {
    insertSorted(names, values, 'x-security-token', credentials.securityToken);
  }

  let canonicalHeaders = '';
  for (let i = 0; i < names.length; i++) {
    canonicalHeaders += `${names[i]}:${values[i]}\n`;
  }
  const signedHeaders = names.join(';');

  const body = request.body;
  const payloadHash =
    body === undefined || body.length === 0
      ? EMPTY_BODY_SHA256
      : hash('sha256', body, 'hex');

  const method = request.method;
  const canonicalRequest = `${
    method === 'POST' || method === 'GET' ? method : method.toUpperCase()
  }\n${canonicalPath(request.path)}\n${canonicalQuery(
    request.query,
  )}\n${canonicalHeaders}\n${signedHeaders}\n${payloadHash}`;

  const stringToSign = `${SIGNING_ALGORITHM}\n${sdkDate}\n${hash(
    'sha256',
    canonicalRequest,
    'hex',
  )}`;
  const signature = createHmac('sha256', credentials.secretAccessKey)
    .update(stringToSign)
    .digest('hex');

  return {
    canonicalRequest,
    stringToSign,
    signedHeaders,
    signature,
    authorization: `${SIGNING_ALGORITHM} Access=${credentials.accessKeyId}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
  };
}

// Header names repeat from call to call: lower-case each one once.
const lowerCaseCache = new Map<string, string>();
function lowerCase(name: string): string {
  let lower = lowerCaseCache.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (lowerCaseCache.size < 256) lowerCaseCache.set(name, lower);
  }
  return lower;
}

/** `value.trim()`, without the call when there is nothing to trim (the usual case). */
function trimmed(value: string): string {
  return value.length > 0 &&
    value.charCodeAt(0) > 32 &&
    value.charCodeAt(value.length - 1) > 32
    ? value
    : value.trim();
}

function insertSorted(
  names: string[],
  values: string[],
  name: string,
  value: string,
) {
  let i = names.length;
  while (i > 0 && names[i - 1] > name) {
    names[i] = names[i - 1];
    values[i] = values[i - 1];
    i--;
  }
  names[i] = name;
  values[i] = value;
}

function byName(a: [string, string], b: [string, string]): number {
  if (a[0] < b[0]) return -1;
  return a[0] > b[0] ? 1 : 0;
}

// Characters RFC 3986 leaves unencoded; a path made only of these (and `/`) is already canonical.
const UNRESERVED_PATH = /^[A-Za-z0-9\-._~/]*$/;
const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;

/**
 * Each segment decoded from the wire form, then percent-encoded per RFC 3986, with a trailing
 * `/`. (The official Node SDK skips the decoding and so signs `a%20b` as `a%2520b`; servers
 * decode first.)
 */
export function canonicalPath(path: string): string {
  let canonical: string;
  if (UNRESERVED_PATH.test(path)) {
    canonical = path;
  } else {
    canonical = path
      .split('/')
      .map(segment => encodeRfc3986(decodeComponent(segment)))
      .join('/');
  }
  return canonical.endsWith('/') ? canonical : `${canonical}/`;
}

/**
 * Pairs decoded from the wire form, sorted by key then value (UTF-16 code units, as the
 * official signer sorts), each re-encoded per RFC 3986 and joined by `&`.
 */
export function canonicalQuery(query: string | undefined): string {
  if (!query) {
    return '';
  }
  const pairs: Array<[string, string]> = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? '' : part.slice(eq + 1);
    pairs.push([decodeQueryComponent(key), decodeQueryComponent(value)]);
  }
  pairs.sort((a, b) => byName(a, b) || byValue(a, b));
  let out = '';
  for (let i = 0; i < pairs.length; i++) {
    if (i > 0) out += '&';
    out += `${encodeRfc3986(pairs[i][0])}=${encodeRfc3986(pairs[i][1])}`;
  }
  return out;
}

function byValue(a: [string, string], b: [string, string]): number {
  if (a[1] < b[1]) return -1;
  return a[1] > b[1] ? 1 : 0;
}

/** Percent-encodes everything but RFC 3986's unreserved characters, as UTF-8. */
export function encodeRfc3986(value: string): string {
  if (UNRESERVED.test(value)) {
    return value;
  }
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function decodeComponent(value: string): string {
  if (value.indexOf('%') === -1) {
    return value;
  }
  try {
    return decodeURIComponent(value);
  } catch {
    return value; // a stray `%` is taken literally
  }
}

// In a query, `+` stands for a space (form encoding), as servers decode it.
function decodeQueryComponent(value: string): string {
  return decodeComponent(
    value.indexOf('+') === -1 ? value : value.replace(/\+/g, ' '),
  );
}
