// What a waiting `vod:preheat` step costs the backend, and how soon it ends: 20 steps wait at
// once for their prefetches with vod-node's waitFor (the waiting read,
// GET /prefetches/:id?changedFrom=), against a baseline from the same run that polls
// GET /prefetches/:id every second. For each: the backend requests per waiting step per 5 s,
// and the lag from the backend recording the end state (the prefetch's updatedAt) to the wait
// returning. Goals (issue 11): at most 1 request per 5 s per waiting step; the step ends at most
// 2 s after the end state.
import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import type { Prefetch } from '@mediaops/backstage-plugin-vod-common';
import { HttpVodPrefetchService } from '@mediaops/backstage-plugin-vod-node/alpha';
import {
  BACKEND,
  goal,
  guestToken,
  startBackend,
  startSimulator,
  stopBackend,
} from '../lib/portal';
import { median } from '../lib/stats';

const STEPS = Number(process.env.BENCH_WAIT_STEPS ?? 20);
/** How long the simulator takes to warm an asset: long enough for several waiting reads. */
const PROCESSING_MS = Number(process.env.BENCH_WAIT_PROCESSING_MS ?? 30_000);
const ENDED = ['succeeded', 'failed', 'partially_failed', 'expired'];

/** Requests to the vod backend's prefetch reads from this process, counted at fetch. */
let reads = 0;
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  if (/\/api\/vod\/prefetches\/[^/?]+(\?|$)/.test(String(input))) reads++;
  return realFetch(input, init);
};

interface Outcome {
  /** From the backend recording the end (updatedAt) to the wait returning, ms. */
  lagMs: number;
  /** From the create to the wait returning, ms. */
  waitedMs: number;
}

async function createPrefetches(token: string): Promise<Prefetch[]> {
  return Promise.all(
    Array.from({ length: STEPS }, async () => {
      const res = await fetch(`${BACKEND}/api/vod/prefetches`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({
          entityRef: 'resource:default/winter-launch-trailer-2026',
        }),
      });
      if (res.status !== 202) throw new Error(`create: ${res.status}`);
      return res.json();
    }),
  );
}

/** The baseline: read the prefetch every second until it has ended. */
async function pollEverySecond(id: string, token: string): Promise<Prefetch> {
  for (;;) {
    const res = await fetch(`${BACKEND}/api/vod/prefetches/${id}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    const prefetch: Prefetch = await res.json();
    if (ENDED.includes(prefetch.status)) return prefetch;
    await new Promise(r => setTimeout(r, 1000));
  }
}

async function measure(
  name: string,
  token: string,
  wait: (id: string) => Promise<Prefetch>,
) {
  const created = await createPrefetches(token);
  const startedAt = Date.now();
  const before = reads;
  const outcomes: Outcome[] = await Promise.all(
    created.map(async p => {
      const ended = await wait(p.id);
      const now = Date.now();
      if (ended.status !== 'succeeded') {
        throw new Error(`${name}: prefetch ${p.id} ended ${ended.status}`);
      }
      return {
        lagMs: now - Date.parse(ended.updatedAt),
        waitedMs: now - startedAt,
      };
    }),
  );
  const requests = reads - before;
  const stepSeconds = outcomes.reduce((sum, o) => sum + o.waitedMs, 0) / 1000;
  const lags = outcomes.map(o => o.lagMs);
  return {
    name,
    requests,
    perStepPer5s: requests / (stepSeconds / 5),
    lagP50: median(lags),
    lagMax: Math.max(...lags),
    waitedS: Math.max(...outcomes.map(o => o.waitedMs)) / 1000,
  };
}

async function main() {
  console.log(
    `bench:wait: ${STEPS} steps waiting at once, VOD warming in ${
      PROCESSING_MS / 1000
    } s, demo backend (SQLite, polling VOD every 2 s)\n`,
  );
  const sim = await startSimulator({ processingMs: PROCESSING_MS });
  const backend = await startBackend(sim, {
    backend: { database: { client: 'better-sqlite3', connection: ':memory:' } },
  });
  try {
    const token = await guestToken();
    const discovery = {
      getBaseUrl: async () => `${BACKEND}/api/vod`,
      getExternalBaseUrl: async () => `${BACKEND}/api/vod`,
    } as DiscoveryService;
    const auth = {
      getPluginRequestToken: async () => ({ token }),
    } as unknown as AuthService;
    const vod = new HttpVodPrefetchService(discovery, auth);
    const credentials = {} as any; // the auth above hands out the guest's token for any

    const baseline = await measure('poll every 1 s (baseline)', token, id =>
      pollEverySecond(id, token),
    );
    const waiting = await measure('vod-node waitFor', token, async id => {
      const { prefetch, outcome } = await vod.waitFor(id, { credentials });
      if (outcome !== 'ended') throw new Error(`waitFor: ${outcome}`);
      return prefetch;
    });

    const rows = [baseline, waiting];
    console.log(
      '| how a step waits | steps | longest wait, s | backend requests | per step per 5 s | vs baseline | end → step ends p50, ms | max, ms |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of rows) {
      console.log(
        `| ${r.name} | ${STEPS} | ${r.waitedS.toFixed(1)} | ${
          r.requests
        } | ${r.perStepPer5s.toFixed(2)} | ${(
          r.requests / baseline.requests
        ).toFixed(2)}× | ${r.lagP50} | ${r.lagMax} |`,
      );
    }
    console.log('\nGoals:');
    goal('requests per waiting step per 5 s', waiting.perStepPer5s, 1, '<=');
    goal('end state → step ends, max, s', waiting.lagMax / 1000, 2, '<=');
  } finally {
    await stopBackend(backend);
    sim.close();
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
