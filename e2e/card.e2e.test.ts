import type { Page } from 'playwright-core';
import {
  BACKEND_URL,
  FRONTEND_URL,
  guestToken,
  openBrowser,
  signInAsGuest,
  SIMULATOR_URL,
} from './browser';

// The Prefetch to CDN card and the prefetch page, as a person uses them: in Debian's chromium,
// signed in as the demo's guest (a member of media-platform), against the portal and VOD
// simulator that ./dev start runs. Screenshots of each step go to .ci-out/.

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
    // The card's signals come over the page's websocket to the signals backend.
    const frames: string[] = [];
    page.on('websocket', ws =>
      ws.on('framereceived', frame => frames.push(String(frame.payload))),
    );
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
    const [created] = await Promise.all([
      page.waitForResponse(
        r =>
          r.request().method() === 'POST' &&
          new URL(r.url()).pathname === '/api/vod/prefetches',
      ),
      dialog.getByRole('button', { name: 'Prefetch', exact: true }).click(),
    ]);
    expect(created.status()).toBe(202);
    const { id } = await created.json();
    await dialog.waitFor({ state: 'hidden' });
    const row = page.locator(`li[data-prefetch-id="${id}"]`);

    await row.getByText(/Queued in the portal/).waitFor();
    await shot(page, '3-queued');
    await row
      .getByText('Accepted by VOD, warming the cache')
      .waitFor({ timeout: 30_000 });
    await shot(page, '4-accepted');
    await row.getByText('Cache warm').waitFor({ timeout: 30_000 });
    await row.getByText(/3 of 3 URLs done/).waitFor();
    await page.getByText(`${before + 1} of 1000 used, `).waitFor();
    expect(frames.some(f => f.includes(id) && f.includes('succeeded'))).toBe(
      true,
    );
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

  it('finds a prefetch on the page by its entity and opens its results', async () => {
    // One that is warm, made through the API, so this test stands on its own.
    const token = await guestToken();
    const headers = {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
    };
    const created = await fetch(`${BACKEND_URL}/api/vod/prefetches`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        entityRef: 'resource:default/winter-launch-trailer-2026',
      }),
    });
    expect(created.status).toBe(202);
    const { id } = await created.json();
    for (let i = 0; ; i++) {
      const res = await fetch(`${BACKEND_URL}/api/vod/prefetches/${id}`, {
        headers,
      });
      if ((await res.json()).status === 'succeeded') break;
      if (i > 120) throw new Error('the prefetch did not end within a minute');
      await new Promise(resolve => setTimeout(resolve, 500));
    }

    const page = await signInAsGuest(browser.context);
    await page.goto(`${FRONTEND_URL}/vod`);
    await page
      .getByText('Quota today per account')
      .waitFor({ timeout: 60_000 });
    await page
      .getByLabel('Entity')
      .fill('resource:default/winter-launch-trailer-2026');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(
      /entityRef=resource%3Adefault%2Fwinter-launch-trailer-2026/,
    );
    const row = page.locator(`tr[data-prefetch-id="${id}"]`);
    await row.getByText('Cache warm').waitFor({ timeout: 30_000 });
    await row.getByRole('button', { name: 'Details' }).click();
    await page
      .getByText(/^warm: https:\/\/vod\.example\.com\/asset\//)
      .first()
      .waitFor();
    await shot(page, '7-page');
  });
});
