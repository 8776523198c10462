/**
 * The SDK-HMAC-SHA256 request signer of Huawei Cloud APIs that the vod backend plugin uses, for
 * tools and benchmarks (bench/signer, bench/api) that sign their own VOD calls. Not yet a stable
 * API: it may change in any release.
 *
 * @packageDocumentation
 */

export { computeSignature, signRequest } from './huaweicloud/signer';
export type {
  RequestToSign,
  Signature,
  SigningCredentials,
} from './huaweicloud/signer';
