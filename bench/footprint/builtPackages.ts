// The vod packages as a portal installs them: built, loaded from their `dist`.
import { execFileSync } from 'node:child_process';
import { registerHooks } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(__dirname, '../..');

/** The vod packages the backend loads, and their folders. */
const BUILT_PACKAGES: Record<string, string> = {
  '@mediaops/backstage-plugin-vod-common': 'plugins/vod-common',
  '@mediaops/backstage-plugin-vod-node': 'plugins/vod-node',
  '@mediaops/backstage-plugin-vod-backend': 'plugins/vod-backend',
  '@mediaops/backstage-plugin-scaffolder-backend-module-vod':
    'plugins/scaffolder-backend-module-vod',
};

/**
 * Resolves the vod packages (and their /alpha entry points) to their dist, as published, for
 * require and import alike (the backend's features are dynamic imports).
 */
export function resolveVodToDist() {
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const [, name, alpha] =
        /^(@mediaops\/[a-z-]+?)(\/alpha)?$/.exec(specifier) ?? [];
      if (name && BUILT_PACKAGES[name]) {
        const file = alpha ? 'alpha.cjs.js' : 'index.cjs.js';
        return {
          url: pathToFileURL(join(ROOT, BUILT_PACKAGES[name], 'dist', file))
            .href,
          shortCircuit: true,
        };
      }
      return nextResolve(specifier, context);
    },
  });
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
