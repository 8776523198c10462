export { EntityVodPrefetchCard } from './EntityVodPrefetchCard';
