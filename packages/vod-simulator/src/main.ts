// `yarn workspace @mediaops/vod-simulator start`: the simulator on its own, for the demo portal.
// Configured from the environment, with the demo account and the demo catalog's assets:
//   VOD_SIMULATOR_PORT      port (default 18080)
//   VOD_PROJECT_ID, VOD_ACCESS_KEY_ID, VOD_SECRET_ACCESS_KEY, VOD_SECURITY_TOKEN (optional)
//   VOD_IAM_DOMAIN, VOD_IAM_USER, VOD_IAM_PASSWORD   an IAM user for token auth (optional)
//   VOD_SIMULATOR_MODE      "fast" (URLs finish in 2–8 s, default) or "real-time" (1–5 min)
//   VOD_SIMULATOR_CONFIG    path of a JSON file with any further SimulatorOptions
import { readFileSync } from 'node:fs';
import { startVodSimulator } from './server';
import type { SimulatorOptions } from './options';

const env = process.env;

function required(name: string): string {
  const value = env[name];
  if (!value) {
    throw new Error(`${name} is not set; the simulator needs the demo account`);
  }
  return value;
}

// The demo catalog's assets (examples/media.yaml).
const demoAssets = [
  'f488337c31c8e4622f1590735b134c65',
  '9db42f5e08c15edecd99a98da241994a',
  '9e455adb02295aa123809e8dc7ca51c1',
  '3c5b0f1e7a2d4b6c8e9f0a1b2c3d4e5f',
];

async function main() {
  const fromFile: Partial<SimulatorOptions> = env.VOD_SIMULATOR_CONFIG
    ? JSON.parse(readFileSync(env.VOD_SIMULATOR_CONFIG, 'utf8'))
    : {};
  const iamUsers =
    env.VOD_IAM_USER && env.VOD_IAM_PASSWORD
      ? [
          {
            domain: env.VOD_IAM_DOMAIN ?? 'mediaops',
            name: env.VOD_IAM_USER,
            password: env.VOD_IAM_PASSWORD,
          },
        ]
      : [];
  const simulator = await startVodSimulator({
    port: Number(env.VOD_SIMULATOR_PORT ?? 18080),
    accounts: [
      {
        projectId: required('VOD_PROJECT_ID'),
        projectName: 'cn-north-4',
        accessKeyId: required('VOD_ACCESS_KEY_ID'),
        secretAccessKey: required('VOD_SECRET_ACCESS_KEY'),
        securityToken: env.VOD_SECURITY_TOKEN || undefined,
        iamUsers,
      },
    ],
    assets: Object.fromEntries(demoAssets.map(id => [id, {}])),
    processingMs:
      env.VOD_SIMULATOR_MODE === 'real-time' ? [60_000, 300_000] : [2000, 8000],
    // The cup final's 1080p rendition fails, so the demo shows a partial failure too.
    failingUrlPatterns: ['9e455adb02295aa123809e8dc7ca51c1_H.264_1920X1080'],
    seed: Date.now() % 2 ** 31,
    ...fromFile,
  });
  // Never print the credentials: only where to reach the simulator.
  console.log(`VOD simulator listening on ${simulator.url}`);
  const stop = () => {
    simulator.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch(error => {
  console.error(`VOD simulator failed to start: ${error.message}`);
  process.exit(1);
});
