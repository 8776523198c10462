// The vod packages as a portal installs them: built, loaded from their `dist`.
import { execFileSync } from 'node:child_process';
import Module from 'node:module';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

/** The vod packages the backend loads, and their folders. */
const BUILT_PACKAGES: Record<string, string> = {
  '@mediaops/backstage-plugin-vod-common': 'plugins/vod-common',
  '@mediaops/backstage-plugin-vod-node': 'plugins/vod-node',
  '@mediaops/backstage-plugin-vod-backend': 'plugins/vod-backend',
  '@mediaops/backstage-plugin-scaffolder-backend-module-vod':
    'plugins/scaffolder-backend-module-vod',
};

/** Resolves the vod packages (and their /alpha entry points) to their dist, as published. */
export function resolveVodToDist() {
  const modules = Module as unknown as {
    _resolveFilename: (request: string, ...rest: unknown[]) => string;
  };
  const resolve = modules._resolveFilename;
  modules._resolveFilename = function resolveFilename(request, ...rest) {
    const [, name, alpha] =
      /^(@mediaops\/[a-z-]+?)(\/alpha)?$/.exec(request) ?? [];
    if (name && BUILT_PACKAGES[name]) {
      const file = alpha ? 'alpha.cjs.js' : 'index.cjs.js';
      return join(ROOT, BUILT_PACKAGES[name], 'dist', file);
    }
    return resolve.call(this, request, ...rest);
  };
}

/** Builds the vod packages' dist (type declarations first, as `backstage-cli package build` needs). */
export function buildVodPackages() {
  execFileSync('yarn', ['tsc'], { cwd: ROOT, stdio: 'inherit' });
  for (const name of Object.keys(BUILT_PACKAGES)) {
    execFileSync('yarn', ['workspace', name, 'build'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
  }
}
