// The prefetches the resilience benches ask for, from a seed: the demo's four entities, raw asset
// ids and URL lists of 1 to 25 URLs (1 to 3 VOD calls); every raw asset and URL is asked for once,
// the entities' assets many times.
import { randomBytes } from 'node:crypto';

/** A small seeded generator (mulberry32): the same seed, the same run. */
export function seeded(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    between: (min: number, max: number) => min + next() * (max - min),
    pick: <T>(items: T[]): T => items[Math.floor(next() * items.length)],
  };
}

/** The demo catalog's annotated media entities (examples/media.yaml). */
export const ENTITIES = [
  'resource:default/winter-launch-trailer-2026',
  'resource:default/coastlines-s01e01',
  'resource:default/cup-final-highlights',
  'resource:default/getting-started-tutorial',
];
const ENTITY_ASSETS = [
  'f488337c31c8e4622f1590735b134c65',
  '9db42f5e08c15edecd99a98da241994a',
  '9e455adb02295aa123809e8dc7ca51c1',
  '3c5b0f1e7a2d4b6c8e9f0a1b2c3d4e5f',
];

export interface Workload {
  bodies: object[];
  /** The simulator's `assets`: the entities' and every raw asset id asked for. */
  assets: Record<string, object>;
}

/** `count` prefetches: 30 % entities, 40 % raw asset ids, 30 % URL lists (mixed when `mixed`). */
export function workload(count: number, seed: number, mixed = true): Workload {
  const random = seeded(seed);
  const run = randomBytes(4).toString('hex');
  const assets: Record<string, object> = Object.fromEntries(
    ENTITY_ASSETS.map(id => [id, {}]),
  );
  const bodies = Array.from({ length: count }, (_, i) => {
    const shape = mixed ? random.next() : 0.5;
    if (shape < 0.3) return { entityRef: random.pick(ENTITIES) };
    if (shape < 0.7) {
      const assetId = `${run}${String(i).padStart(24, '0')}`;
      assets[assetId] = {};
      return { assetId };
    }
    const n = random.pick([1, 3, 10, 15, 25]);
    return {
      urls: Array.from(
        { length: n },
        (_, j) => `https://cdn.example.com/asset/${run}/${i}/${j}.m3u8`,
      ),
    };
  });
  return { bodies, assets };
}
