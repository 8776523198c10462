/**
 * A local stand-in for the Huawei Cloud VOD CDN prefetch API (and IAM's token endpoint), for
 * the demo portal, the tests and the benchmarks.
 *
 * @packageDocumentation
 */

export { startVodSimulator } from './server';
export type { VodSimulator } from './server';
export type {
  FaultOptions,
  QueuedFault,
  SimulatedAccount,
  SimulatorOptions,
} from './options';
export type { RecordedCall, SimulatedTask } from './state';
export * as vodErrorCodes from './errors';
