export {
  DetailsButton,
  PrefetchDetails,
  PrefetchProgress,
  PrefetchRow,
  PrefetchStage,
} from './PrefetchRow';
