import vectors from './__fixtures__/signing-vectors.json';
import {
  canonicalPath,
  canonicalQuery,
  computeSignature,
  formatSdkDate,
  RequestToSign,
  signRequest,
} from './signer';

type Vector = (typeof vectors)[number] & { securityToken?: string };

/** A vector's request, split as it goes on the wire (raw path and query, no URL parsing). */
function requestOf(vector: Vector): RequestToSign {
  const afterScheme = vector.url.slice(vector.url.indexOf('//') + 2);
  const pathAndQuery = afterScheme.slice(afterScheme.indexOf('/'));
  const q = pathAndQuery.indexOf('?');
  const { Host, ...headers } = vector.headers as Record<string, string>;
  return {
    method: vector.method,
    host: Host,
    path: q === -1 ? pathAndQuery : pathAndQuery.slice(0, q),
    query: q === -1 ? '' : pathAndQuery.slice(q + 1),
    headers,
    body: vector.body,
  };
}

function credentialsOf(vector: Vector) {
  return {
    accessKeyId: vector.accessKeyId,
    secretAccessKey: vector.secretAccessKey,
    securityToken: vector.securityToken,
  };
}

describe('computeSignature against the golden vectors', () => {
  it.each((vectors as Vector[]).map(v => [v.name, v] as const))(
    '%s: canonical request, string to sign and Authorization byte for byte',
    (_name, vector) => {
      const signature = computeSignature(
        requestOf(vector),
        credentialsOf(vector),
        vector.sdkDate,
      );
      expect(signature.canonicalRequest).toBe(vector.canonicalRequest);
      expect(signature.stringToSign).toBe(vector.stringToSign);
      expect(signature.signedHeaders).toBe(vector.signedHeaders);
      expect(signature.signature).toBe(vector.signature);
      expect(signature.authorization).toBe(vector.authorization);
    },
  );

  it('covers all ten vectors', () => {
    expect(vectors).toHaveLength(10);
  });
});

describe('signRequest', () => {
  const vector = (vectors as Vector[]).find(
    v => v.name === 'prefetch-temporary-credentials',
  )!;

  it('returns the headers to send, with the date, the token and the Authorization', () => {
    const request = requestOf(vector);
    delete (request.headers as Record<string, string>)['X-Sdk-Date'];
    delete (request.headers as Record<string, string>)['X-Security-Token'];
    const headers = signRequest(
      request,
      credentialsOf(vector),
      new Date('2024-05-20T08:30:00Z'),
    );
    expect(headers).toEqual({
      'Content-Type': 'application/json',
      'X-Project-Id': '0123456789abcdef0123456789abcdef',
      'X-Sdk-Date': '20240520T083000Z',
      'X-Security-Token': vector.securityToken,
      Authorization: vector.authorization,
    });
  });

  it('signs a different date differently', () => {
    const request = requestOf(vector);
    const a = signRequest(request, credentialsOf(vector), new Date(0));
    const b = signRequest(request, credentialsOf(vector), new Date(1000));
    expect(a.Authorization).not.toBe(b.Authorization);
  });
});

describe('canonical parts', () => {
  it('formats X-Sdk-Date in UTC without separators', () => {
    expect(formatSdkDate(new Date('2019-11-15T03:36:55.789Z'))).toBe(
      '20191115T033655Z',
    );
  });

  it('decodes path segments before encoding them once', () => {
    expect(canonicalPath('/v1/a%20b/caf%C3%A9')).toBe('/v1/a%20b/caf%C3%A9/');
    expect(canonicalPath('/v1/a b/café')).toBe('/v1/a%20b/caf%C3%A9/');
    expect(canonicalPath('/v1/it(s)*!')).toBe('/v1/it%28s%29%2A%21/');
    expect(canonicalPath('/already/')).toBe('/already/');
  });

  it('sorts query pairs by key then value and re-encodes them', () => {
    expect(canonicalQuery('b=2&a=z&a=y&c')).toBe('a=y&a=z&b=2&c=');
    expect(canonicalQuery('q=a+b&r=x%2Fy%2Az%21')).toBe(
      'q=a%20b&r=x%2Fy%2Az%21',
    );
    expect(canonicalQuery('')).toBe('');
  });
});
