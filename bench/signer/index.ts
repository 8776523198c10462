// bench/signer: ops/s of our signer, of the official Huawei Cloud signer, and of the crypto floor
// (the two SHA-256 and one HMAC-SHA256 over the same bytes, nothing else, each the fastest way
// Node offers: one-shot `crypto.hash` for the digests), in one run on the
// same input: the 3-URL prefetch vector. Run: ./dev run yarn bench:signer
import { createHmac, hash } from 'node:crypto';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner';
import vectors from '../../plugins/vod-backend/src/huaweicloud/__fixtures__/signing-vectors.json';
import { computeSignature } from '../../plugins/vod-backend/src/huaweicloud/signer';
import { compare, printTable } from '../lib/measure';

const vector = vectors.find(v => v.name === 'prefetch-by-urls-doc-example')!;
const credentials = {
  accessKeyId: vector.accessKeyId,
  secretAccessKey: vector.secretAccessKey,
};
const path = new URL(vector.url).pathname;
const {
  Host: host,
  'X-Sdk-Date': sdkDate,
  ...headers
} = vector.headers as Record<string, string>;
const data = JSON.parse(vector.body);

function ours(): string {
  return computeSignature(
    { method: 'POST', host, path, query: '', headers, body: vector.body },
    credentials,
    sdkDate,
  ).authorization;
}

const officialRequest = {
  method: 'POST',
  endpoint: `https://${host}${path}`,
  headers: { ...headers, 'X-Sdk-Date': sdkDate },
  queryParams: {},
  data,
};
const officialCredential = {
  getAk: () => credentials.accessKeyId,
  getSk: () => credentials.secretAccessKey,
};
function official(): string {
  return (
    AKSKSigner.sign(
      { ...officialRequest } as any,
      officialCredential as any,
    ) as any
  ).Authorization;
}

function floor(): string {
  hash('sha256', vector.body, 'hex');
  hash('sha256', vector.canonicalRequest, 'hex');
  return createHmac('sha256', credentials.secretAccessKey)
    .update(vector.stringToSign)
    .digest('hex');
}

// All three must compute the same thing before any is timed.
if (ours() !== vector.authorization || official() !== vector.authorization) {
  throw new Error('signers disagree with the vector; not benchmarking');
}

const byName = compare({
  'crypto floor': floor,
  'official signer': official,
  ours,
});
printTable(
  Object.entries(byName).map(([name, opsPerSecond]) => ({
    signer: name,
    'ops/s': Math.round(opsPerSecond),
    'vs official': (opsPerSecond / byName['official signer']).toFixed(2),
    'vs floor': (opsPerSecond / byName['crypto floor']).toFixed(2),
  })),
);

const overOfficial = byName.ours / byName['official signer'];
const floorOverOurs = byName['crypto floor'] / byName.ours;
console.log(
  `\ngoal ours >= 4x official: ${overOfficial.toFixed(2)}x ${
    overOfficial >= 4 ? 'MET' : 'MISSED'
  }`,
);
console.log(
  `goal ours within 1.5x of the floor: floor/ours = ${floorOverOurs.toFixed(
    2,
  )} ${floorOverOurs <= 1.5 ? 'MET' : 'MISSED'}`,
);
