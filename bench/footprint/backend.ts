// The demo backend as bench/footprint starts it: the same features as packages/backend, with the
// vod plugins only when FOOTPRINT_VOD=1.
import { createBackend } from '@backstage/backend-defaults';
import {
  portalFeatures,
  vodFeatures,
} from '../../packages/backend/src/features';

const backend = createBackend();
const features = [
  ...portalFeatures(),
  ...(process.env.FOOTPRINT_VOD === '1' ? vodFeatures() : []),
];
for (const feature of features) backend.add(feature);
backend.start();
