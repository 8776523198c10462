// The demo app's production build for bench/ui: built with a config of the bench's on top of
// app-config.yaml, and the size of the JS and CSS it ships.
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from './portal';

export interface BundleSize {
  files: number;
  raw: number;
  gzip: number;
}

/** Builds packages/app with `config` on top of app-config.yaml; sizes of its JS and CSS. */
export async function buildApp(config: object): Promise<BundleSize> {
  const configFile = join(
    mkdtempSync(join(tmpdir(), 'vod-bench-build-')),
    'app-config.json',
  );
  writeFileSync(configFile, JSON.stringify(config));
  await new Promise<void>((done, fail) => {
    const child = spawn(
      'yarn',
      [
        'workspace',
        'app',
        'backstage-cli',
        'package',
        'build',
        '--config',
        '../../app-config.yaml',
        '--config',
        configFile,
      ],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    child.once('exit', code =>
      code === 0 ? done() : fail(new Error(`app build exited ${code}`)),
    );
  });
  const dir = join(ROOT, 'packages/app/dist/static');
  const size: BundleSize = { files: 0, raw: 0, gzip: 0 };
  for (const name of readdirSync(dir)) {
    if (!/\.(js|css)$/.test(name)) continue; // not the source maps
    const bytes = readFileSync(join(dir, name));
    size.files += 1;
    size.raw += bytes.length;
    size.gzip += gzipSync(bytes).length;
  }
  return size;
}

/** Whether there is an app build to serve. */
export function appBuilt(): boolean {
  return existsSync(join(ROOT, 'packages/app/dist/index.html'));
}
