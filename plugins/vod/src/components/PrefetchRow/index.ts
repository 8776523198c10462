export {
  PrefetchDetails,
  PrefetchProgress,
  PrefetchRow,
  PrefetchStage,
} from './PrefetchRow';
