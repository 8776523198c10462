/**
 * A local stand-in for the Huawei Cloud VOD API, for the demo portal, the tests and the
 * benchmarks. Not implemented yet; see README.md.
 *
 * @packageDocumentation
 */

export {};
