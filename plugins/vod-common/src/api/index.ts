export { VodApiClient } from './VodApiClient';
export type {
  ListPrefetchesQuery,
  VodDiscovery,
  VodRequestOptions,
} from './VodApiClient';
