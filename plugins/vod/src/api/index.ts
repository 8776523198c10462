export { vodApiRef } from './VodApi';
export type { VodApi } from './VodApi';
