/**
 * The signed Huawei Cloud VOD client and the SDK-HMAC-SHA256 signer the vod backend plugin uses,
 * for tools and benchmarks (bench/api, bench/signer). Not yet a stable API: they may change in
 * any release.
 *
 * @packageDocumentation
 */

// API Extractor takes release tags from the declarations (in huaweicloud/), not from these
// re-exports: until VodClient and computeSignature carry `@alpha` there and the option and result
// types they name are exported here as well, report-alpha.api.md lists warnings, which
// `yarn build:api-reports` allows for this package (--allow-warnings plugins/vod-backend).

/**
 * The signed Huawei Cloud VOD client the plugin uses: CDN prefetch creates and queries of one
 * account, signed and rate-shaped. For tools and benchmarks; not yet a stable API.
 *
 * @alpha
 */
export { VodClient } from './huaweicloud/VodClient';

/**
 * The SDK-HMAC-SHA256 signer the plugin uses: the signature of a request and its intermediates.
 * For tools and benchmarks; not yet a stable API.
 *
 * @alpha
 */
export { computeSignature } from './huaweicloud/signer';
