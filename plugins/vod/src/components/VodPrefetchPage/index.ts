export { VodPrefetchPage } from './VodPrefetchPage';
