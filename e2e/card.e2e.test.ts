import type { Page } from 'playwright-core';
import { openBrowser, signInAsGuest, FRONTEND_URL } from './browser';

// The Prefetch to CDN card and the prefetch page, as a person uses them: in Debian's chromium,
// signed in as the demo's guest (a member of media-platform), against the portal and VOD
// simulator that ./dev start runs. Screenshots of each step go to .ci-out/.

const SIMULATOR_URL = 'http://127.0.0.1:18080';
const shot = (page: Page, name: string) =>
  page.screenshot({ path: `.ci-out/e2e-card-${name}.png`, fullPage: true });

async function setSimulatorFaults(faults: object) {
  const res = await fetch(`${SIMULATOR_URL}/admin/faults`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(faults),
  });
  expect(res.status).toBe(200);
}

/** "12 of 1000 used" on the card, as a number. */
async function quotaUsed(page: Page): Promise<number> {
  const text = await page
    .getByText(/ of 1000 used, /)
    .first()
    .textContent();
  return Number(/(\d+) of 1000 used/.exec(text ?? '')?.[1]);
}

describe('the Prefetch to CDN card and the prefetch page', () => {
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  beforeEach(async () => {
    browser = await openBrowser();
  });
  afterEach(async () => {
    await setSimulatorFaults({});
    await browser?.close();
  });

  it("prefetches an entity the guest's team owns and shows it warm, live, spending one unit", async () => {
    const page = await signInAsGuest(browser.context);
    await page.goto(
      `${FRONTEND_URL}/catalog/default/resource/winter-launch-trailer-2026`,
    );
    await page
      .getByRole('heading', { name: 'CDN prefetch' })
      .waitFor({ timeout: 120_000 });
    await page.getByText(/ of 1000 used, /).waitFor();
    const before = await quotaUsed(page);
    await shot(page, '1-entity');

    // VOD answers the create after 3 s, so the queued stage can be seen.
    await setSimulatorFaults({ latencyMs: 3000, routes: ['create'] });
    await page.getByRole('button', { name: 'Prefetch to CDN' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('The whole asset').waitFor();
    await dialog
      .getByText(/Costs 1 of the \d+ prefetches left today/)
      .waitFor();
    await shot(page, '2-dialog');
    await dialog.getByRole('button', { name: 'Prefetch', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });

    await page
      .getByText(/Queued in the portal/)
      .first()
      .waitFor();
    await shot(page, '3-queued');
    await page
      .getByText('Accepted by VOD, warming the cache')
      .first()
      .waitFor({ timeout: 30_000 });
    await shot(page, '4-accepted');
    await page.getByText('Cache warm').first().waitFor({ timeout: 30_000 });
    await page
      .getByText(/3 of 3 URLs done/)
      .first()
      .waitFor();
    await page.getByText(`${before + 1} of 1000 used, `).waitFor();
    await shot(page, '5-warm');
  });

  it('shows the button disabled, with the reason, on an entity the guest does not own', async () => {
    const page = await signInAsGuest(browser.context);
    await page.goto(
      `${FRONTEND_URL}/catalog/default/resource/coastlines-s01e01`,
    );
    const button = page.getByRole('button', { name: 'Prefetch to CDN' });
    await button.waitFor({ timeout: 60_000 });
    await page
      .getByText(
        'You may not prefetch this asset: only its owners may (group:default/content-operations).',
      )
      .waitFor();
    expect(await button.isDisabled()).toBe(true);
    await shot(page, '6-not-allowed');
  });

  it('finds the prefetch on the page by its entity and opens its results', async () => {
    const page = await signInAsGuest(browser.context);
    await page.goto(
      `${FRONTEND_URL}/vod?entityRef=${encodeURIComponent(
        'resource:default/winter-launch-trailer-2026',
      )}`,
    );
    await page
      .getByText('Quota today per account')
      .waitFor({ timeout: 60_000 });
    const row = page.getByRole('row').filter({ hasText: 'Cache warm' }).first();
    await row.waitFor({ timeout: 30_000 });
    await row.getByRole('button', { name: 'Details' }).click();
    await page
      .getByText(/^warm: https:\/\/vod\.example\.com\/asset\//)
      .first()
      .waitFor();
    await shot(page, '7-page');
  });
});
