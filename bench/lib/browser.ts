// Browser control for bench/ui: Debian's chromium (e2e/browser.ts) on the portal the demo backend
// serves, signed in as the guest; what the page requests, when the card shows a prefetch's status,
// and how long a click on a nav item takes to show a table row.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openBrowser } from '../../e2e/browser';
import { ROOT } from './portal';

/** The portal as the demo backend serves its production build. */
export const PORTAL = 'http://localhost:7007';

/**
 * Opens the portal signed in as the guest and hands the page to `use`; a failure leaves a
 * screenshot in .ci-out/bench-ui-failure.png. The browser is closed either way.
 */
export async function withPortalPage(use: (page: Page) => Promise<void>) {
  const browser = await openBrowser();
  const page = await browser.context.newPage();
  try {
    await page.goto(`${PORTAL}/`);
    await page.getByRole('button', { name: 'Enter' }).click();
    await page.locator('a[href="/vod"]').first().waitFor({ timeout: 60_000 });
    await use(page);
  } catch (error) {
    await page.screenshot({ path: join(ROOT, '.ci-out/bench-ui-failure.png') });
    throw error;
  } finally {
    await browser.close();
  }
}

/** Counts the page's requests to paths starting with `prefix` from now on. */
export function countRequests(page: Page, prefix: string) {
  const seen: string[] = [];
  page.on('request', request => {
    const url = new URL(request.url());
    if (url.pathname.startsWith(prefix)) seen.push(url.pathname);
  });
  return {
    /** The paths requested since the start or the last reset. */
    seen: () => seen,
    reset: () => {
      seen.length = 0;
    },
  };
}

/**
 * Records in the page when each prefetch row (`li[data-prefetch-id]`) first shows each status;
 * `shownAt(id, status)` waits for it and returns that time (epoch ms, the page's clock).
 */
export async function watchStatuses(page: Page) {
  await page.evaluate(() => {
    const shown: Record<string, number> = {};
    (window as any).vodShown = shown;
    const record = () => {
      for (const row of document.querySelectorAll('li[data-prefetch-id]')) {
        const key = `${row.getAttribute('data-prefetch-id')} ${row.getAttribute(
          'data-status',
        )}`;
        shown[key] ??= Date.now();
      }
    };
    new MutationObserver(record).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-status'],
    });
  });
  return {
    shownAt: async (id: string, status: string): Promise<number> => {
      const key = `${id} ${status}`;
      await page.waitForFunction(k => (window as any).vodShown[k], key, {
        timeout: 30_000,
      });
      return page.evaluate(k => (window as any).vodShown[k], key);
    },
  };
}

/** Clicks the nav item `nav` from inside the page and times until `row` is in the document. */
export async function clickToRow(page: Page, nav: string, row: string) {
  await page.evaluate(
    ({ nav: text, row: r }) => {
      const w = window as any;
      w.rowShownAt = undefined;
      const observer = new MutationObserver(() => {
        if (document.querySelector(r)) {
          w.rowShownAt = performance.now();
          observer.disconnect();
        }
      });
      observer.observe(document.body, { subtree: true, childList: true });
      const link = [...document.querySelectorAll('nav a')].find(
        a => a.textContent?.trim() === text,
      ) as HTMLElement;
      w.clickedAt = performance.now();
      link.click();
    },
    { nav, row },
  );
  await page
    .waitForFunction(() => (window as any).rowShownAt !== undefined, {
      timeout: 30_000,
    })
    .catch(error => {
      throw new Error(
        `no ${row} on ${page.url()} after clicking ${nav}: ${error}`,
      );
    });
  return page.evaluate(() => {
    const w = window as any;
    return w.rowShownAt - w.clickedAt;
  });
}

/** A full page load of `path` until `row` is in the document, from navigation start (ms). */
export async function loadToRow(page: Page, path: string, row: string) {
  await page.goto(`${PORTAL}${path}`);
  await page.locator(row).first().waitFor({ timeout: 30_000 });
  return page.evaluate(() => performance.now());
}
