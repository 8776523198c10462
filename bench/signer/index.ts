// bench/signer: ops/s of our signer, of the official Huawei Cloud signer, and of the crypto floor
// (the two SHA-256 and one HMAC-SHA256 over the same bytes, nothing else, each the fastest way
// Node offers: one-shot `crypto.hash` for the digests), in one run on the
// same input: a 3-URL prefetch. Run: ./dev run yarn bench:signer
import { createHmac, hash } from 'node:crypto';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner';
import { computeSignature } from '@mediaops/backstage-plugin-vod-backend/alpha';
import { compare, printTable } from '../lib/measure';

// The request: a CDN prefetch of three streaming URLs, shaped as the VOD API document's example
// (two assets; a 341-byte compact JSON body; Content-Type and X-Project-Id signed besides Host and
// X-Sdk-Date), with made-up but fixed IDs and keys so every run signs the same bytes.
const id = (label: string) => hash('md5', label, 'hex'); // 32 hex digits, as VOD's IDs
const [assetA, assetB] = [id('bench asset a'), id('bench asset b')];
const [fileA, fileB] = [id('bench file a'), id('bench file b')];
const project = id('bench project');
const body = JSON.stringify({
  urls: [
    `https://example.com/asset/${assetA}/${fileA}.flv`,
    `https://example.com/asset/${assetB}/${fileB}.mp4`,
    `https://example.com/asset/${assetB}/play_video/${fileB}_H.264_480X270_HEAACV1_300.mp4`,
  ],
});
const host = 'vod.cn-north-4.myhuaweicloud.com';
const path = `/v1.0/${project}/asset/preheating`;
const headers = {
  'Content-Type': 'application/json',
  'X-Project-Id': project,
};
const sdkDate = '20240520T083000Z';
const credentials = {
  accessKeyId: 'BENCHSIGNERACCESSKEY', // 20 characters, as an AK
  secretAccessKey: hash('sha1', 'bench secret access key', 'hex'), // 40 characters, as an SK
};

function ours(): string {
  return computeSignature(
    { method: 'POST', host, path, query: '', headers, body },
    credentials,
    sdkDate,
  ).authorization;
}

const officialRequest = {
  method: 'POST',
  endpoint: `https://${host}${path}`,
  headers: { ...headers, 'X-Sdk-Date': sdkDate },
  queryParams: {},
  data: JSON.parse(body),
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

// The floor hashes the same canonical request and HMACs the same string to sign as the signers.
const { canonicalRequest, stringToSign } = computeSignature(
  { method: 'POST', host, path, headers, body },
  credentials,
  sdkDate,
);
function floor(): string {
  hash('sha256', body, 'hex');
  hash('sha256', canonicalRequest, 'hex');
  return createHmac('sha256', credentials.secretAccessKey)
    .update(stringToSign)
    .digest('hex');
}

// Both signers must compute the same thing, and the floor its last step, before any is timed.
if (ours() !== official() || !ours().endsWith(`Signature=${floor()}`)) {
  throw new Error('the signers disagree; not benchmarking');
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
