// The demo backend as bench/footprint starts it: the same features as packages/backend, with the
// vod plugins only when FOOTPRINT_VOD=1. Those are loaded as a portal installs them, from their
// built `dist` (bench/footprint builds it first), never from their TypeScript sources: it fails
// when one was loaded.
import { createBackend } from '@backstage/backend-defaults';
import {
  portalFeatures,
  vodFeatures,
} from '../../packages/backend/src/features';
import { resolveVodToDist } from './builtPackages';

async function main() {
  const vod = process.env.FOOTPRINT_VOD === '1';
  resolveVodToDist(); // the demo's permission policy uses vod-common too
  const backend = createBackend();
  for (const feature of [...portalFeatures(), ...(vod ? vodFeatures() : [])]) {
    backend.add(feature);
  }
  await backend.start();
  const sources = Object.keys(require.cache).filter(file =>
    /[/\\]plugins[/\\][^/\\]+[/\\]src[/\\]/.test(file),
  );
  if (sources.length > 0) {
    throw new Error(`vod sources loaded, not dist: ${sources.join(', ')}`);
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
