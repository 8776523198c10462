// bench/ui: what the vod frontend plugin costs the portal and how live it is, each against a
// baseline measured in the same run:
//   1. bundle: the demo app built with and without the plugin (gzipped JS and CSS);
//   2. requests: API calls the card makes when an entity page mounts, and while nothing runs;
//   3. live latency: from the backend recording a prefetch's final state to the card showing it,
//      against a client polling the API every 20 ms (the soonest anyone can see it);
//   4. the /vod page's first table render with 100,000 prefetches recorded, against the catalog
//      page's first table render.
// The portal is the production build served by the demo backend (dev mode, SQLite) on port
// 7007, with the VOD simulator; the browser is Debian's chromium.
// Run: ./dev run yarn bench:ui   (about 5 minutes; needs ports 7007 free and /usr/bin/chromium)
import type { Page } from 'playwright-core';
import { appBuilt, buildApp, BundleSize } from '../lib/app';
import {
  clickToRow,
  countRequests,
  loadToRow,
  PORTAL,
  watchStatuses,
  withPortalPage,
} from '../lib/browser';
import { printTable } from '../lib/measure';
import {
  BACKEND,
  filledSqlite,
  goal,
  guestHeaders,
  startBackend,
  startSimulator,
  stopBackend,
} from '../lib/portal';
import { median, quantile } from '../lib/stats';

const PLUGIN = '@mediaops/backstage-plugin-vod';
const ENTITY = 'resource:default/winter-launch-trailer-2026';
const ENTITY_PATH = '/catalog/default/resource/winter-launch-trailer-2026';
const LIVE_RUNS = Number(process.env.BENCH_LIVE_RUNS ?? 20);
const PAGE_ROUNDS = 5;
const IDLE_MS = 30_000;

/** Which parts to run (default all): BENCH_UI_PARTS=bundle,requests,live,page. */
const PARTS = new Set(
  (process.env.BENCH_UI_PARTS ?? 'bundle,requests,live,page').split(','),
);

async function main() {
  if (PARTS.has('bundle')) await measureBundle();
  if (!['requests', 'live', 'page'].some(part => PARTS.has(part))) return;
  if (!appBuilt()) {
    throw new Error(
      'no app build to serve: run with BENCH_UI_PARTS including bundle',
    );
  }

  // The portal: 100,000 finished prefetches of other entities already recorded.
  const database = await filledSqlite([
    'succeeded',
    'failed',
    'partially_failed',
  ]);
  const sim = await startSimulator({ processingMs: 500 });
  try {
    const backend = await startBackend(sim, {
      app: { baseUrl: PORTAL },
      backend: { database },
    });
    try {
      await withPortalPage(async page => {
        if (PARTS.has('requests')) await measureRequests(page);
        if (PARTS.has('live')) await measureLive(page);
        if (PARTS.has('page')) await measurePage(page);
      });
    } finally {
      await stopBackend(backend);
    }
  } finally {
    sim.close();
  }
}

/** The demo app built without and with the plugin; the last build is the one served. */
async function measureBundle() {
  const without = await buildApp({ app: { packages: { exclude: [PLUGIN] } } });
  const withPlugin = await buildApp({}); // last, so the portal below serves it
  console.log('\n1. bundle: the demo app built without and with the plugin');
  printTable([
    { build: 'without the plugin (baseline)', ...sizeColumns(without) },
    { build: 'with the plugin', ...sizeColumns(withPlugin) },
    {
      build: 'added by the plugin',
      files: withPlugin.files - without.files,
      'raw kB': kB(withPlugin.raw - without.raw),
      'gzip kB': kB(withPlugin.gzip - without.gzip),
      'gzip vs baseline': (withPlugin.gzip / without.gzip).toFixed(3),
    },
  ]);
  goal(
    'gzipped size added by the plugin <= 30 kB',
    (withPlugin.gzip - without.gzip) / 1024,
    30,
    '<=',
  );
}

const kB = (bytes: number) => (bytes / 1024).toFixed(1);
const sizeColumns = (s: BundleSize) => ({
  files: s.files,
  'raw kB': kB(s.raw),
  'gzip kB': kB(s.gzip),
  'gzip vs baseline': '',
});

/** API requests the entity page makes: all of them (baseline) and the card's. */
async function measureRequests(page: Page) {
  const requests = countRequests(page, '/api/');
  const count = () => ({
    all: requests.seen().length,
    vod: requests.seen().filter(p => p.startsWith('/api/vod/')).length,
  });

  await page.goto(`${PORTAL}${ENTITY_PATH}`);
  await page.getByText(/ of \d+ used, /).waitFor({ timeout: 60_000 });
  await page.getByText('This asset has not been prefetched yet.').waitFor();
  await page.waitForTimeout(3000); // whatever else the page loads late
  const mount = count();
  requests.reset();
  await page.waitForTimeout(IDLE_MS);
  const idle = count();

  console.log('\n2. requests from the entity page (with signals)');
  printTable([
    {
      when: 'on mount',
      'API requests of the page (baseline)': mount.all,
      'of them, the card': mount.vod,
      'card vs page': (mount.vod / mount.all).toFixed(2),
    },
    {
      when: `the next ${IDLE_MS / 1000} s, nothing running`,
      'API requests of the page (baseline)': idle.all,
      'of them, the card': idle.vod,
      'card vs page': idle.all ? (idle.vod / idle.all).toFixed(2) : '-',
    },
  ]);
  goal('the card’s API calls on mount <= 2', mount.vod, 2, '<=');
  goal('the card’s requests while nothing runs == 0', idle.vod, 0, '<=');
}

/**
 * Prefetches the entity LIVE_RUNS times, one after the other, from outside the page; for each,
 * the time from the backend recording the final state (its updatedAt) to the card showing it,
 * and to a client polling GET /prefetches/:id every 20 ms seeing it.
 */
async function measureLive(page: Page) {
  await page.goto(`${PORTAL}${ENTITY_PATH}`);
  await page.getByText(/ of \d+ used, /).waitFor({ timeout: 60_000 });
  const statuses = await watchStatuses(page);
  const headers = await guestHeaders();
  const cardRequests = countRequests(page, '/api/vod/');

  const card: number[] = [];
  const polled: number[] = [];
  for (let run = 0; run < LIVE_RUNS; run++) {
    const created = await fetch(`${BACKEND}/api/vod/prefetches`, {
      method: 'POST',
      headers: { ...headers, 'Idempotency-Key': `bench-ui-${Date.now()}` },
      body: JSON.stringify({ entityRef: ENTITY }),
    });
    if (created.status !== 202) {
      throw new Error(`prefetch: ${created.status} ${await created.text()}`);
    }
    const { id } = await created.json();
    let final: { status: string; updatedAt: string };
    let polledAt: number;
    for (;;) {
      const res = await fetch(`${BACKEND}/api/vod/prefetches/${id}`, {
        headers,
      });
      const prefetch = await res.json();
      if (!['pending', 'processing'].includes(prefetch.status)) {
        polledAt = Date.now();
        final = prefetch;
        break;
      }
      await new Promise(r => setTimeout(r, 20));
    }
    const shownAt = await statuses.shownAt(id, final.status);
    const recordedAt = Date.parse(final.updatedAt);
    card.push(shownAt - recordedAt);
    polled.push(polledAt - recordedAt);
  }

  console.log(
    `\n3. live latency over ${LIVE_RUNS} prefetches: backend records the final state -> seen`,
  );
  printTable([
    {
      'seen by': 'a client polling every 20 ms (baseline)',
      'p50 ms': quantile(polled, 0.5),
      'p95 ms': quantile(polled, 0.95),
      'max ms': Math.max(...polled),
      'p50 vs baseline': '',
    },
    {
      'seen by': 'the card, by signals',
      'p50 ms': quantile(card, 0.5),
      'p95 ms': quantile(card, 0.95),
      'max ms': Math.max(...card),
      'p50 vs baseline': (
        quantile(card, 0.5) / Math.max(1, quantile(polled, 0.5))
      ).toFixed(1),
    },
  ]);
  console.log(
    `  the card's API requests per prefetch while it ran: ${(
      cardRequests.seen().length / LIVE_RUNS
    ).toFixed(1)}`,
  );
  goal('the card’s live latency p50 <= 500 ms', quantile(card, 0.5), 500, '<=');
}

/**
 * From a click on the nav item to the first table row, for /vod (100,000 prefetches recorded)
 * and for the catalog (baseline); PAGE_ROUNDS rounds in turn, the first one cold. Then a full
 * page load of each, from navigation start.
 */
async function measurePage(page: Page) {
  const pages = [
    {
      name: 'catalog (baseline)',
      nav: 'Catalog',
      row: 'table tbody tr a[href^="/catalog/default/"]',
    },
    { name: '/vod', nav: 'CDN prefetch', row: 'tr[data-prefetch-id]' },
  ];
  const times: Record<string, number[]> = {};
  const settle = async () => {
    await page.goto(`${PORTAL}/settings/general`);
    await page.getByRole('link', { name: 'CDN prefetch' }).first().waitFor();
  };
  await settle();
  for (let round = 0; round < PAGE_ROUNDS; round++) {
    for (const target of [...pages].reverse()) {
      (times[target.name] ??= []).push(
        await clickToRow(page, target.nav, target.row),
      );
      await settle();
    }
  }
  const loads: Record<string, number> = {};
  for (const target of pages) {
    const href = await page
      .getByRole('link', { name: target.nav })
      .first()
      .getAttribute('href');
    loads[target.name] = await loadToRow(page, href!, target.row);
    await settle();
  }

  // The first click is cold; the median is of the next ones.
  const warm = (name: string) => median(times[name].slice(1));
  const base = warm(pages[0].name);
  console.log(
    '\n4. first table render after navigation; /vod with 100,000 prefetches recorded',
  );
  printTable(
    pages.map(target => ({
      page: target.name,
      'first click ms': Math.round(times[target.name][0]),
      [`median of the next ${PAGE_ROUNDS - 1} ms`]: Math.round(
        warm(target.name),
      ),
      'vs baseline': (warm(target.name) / base).toFixed(2),
      'full page load ms': Math.round(loads[target.name]),
    })),
  );
  goal(
    '/vod first table render after navigation <= 1000 ms (the cold first click)',
    times['/vod'][0],
    1000,
    '<=',
  );
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
