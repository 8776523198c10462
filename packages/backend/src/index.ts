// The demo portal's backend: stock Backstage plugins plus the vod plugin and its scaffolder module
// (src/features.ts).

import { createBackend } from '@backstage/backend-defaults';
import { portalFeatures, vodFeatures } from './features';

const backend = createBackend();
for (const feature of [...portalFeatures(), ...vodFeatures()]) {
  backend.add(feature);
}
backend.start();
