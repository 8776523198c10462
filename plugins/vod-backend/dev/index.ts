// `yarn start` in this package: a bare backend with only the vod plugin, for working on it alone.
// The demo portal with everything installed is packages/backend.
import { createBackend } from '@backstage/backend-defaults';

const backend = createBackend();
backend.add(import('../src'));
backend.start();
