import type { Page } from 'playwright-core';
import {
  BACKEND_URL,
  FRONTEND_URL,
  guestToken,
  openBrowser,
  signInAsGuest,
} from './browser';

// The demo template "Warm a media asset into the CDN" (examples/templates/warm-media-asset.yaml)
// run from /create as a person runs it, in Debian's chromium, signed in as the guest: a media
// asset of the guest's team is warmed and the result links to the prefetch; one of another team
// fails its step with the permission named. Screenshots go to .ci-out/.

const shot = (page: Page, name: string) =>
  page.screenshot({ path: `.ci-out/e2e-template-${name}.png`, fullPage: true });

/** Opens the template, picks the media asset and starts the task; resolves on its task page. */
async function runTemplate(page: Page, asset: string, name: string) {
  await page.goto(`${FRONTEND_URL}/create`);
  await page
    .getByText('Warm a media asset into the CDN')
    .first()
    .waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Choose' }).click();
  await page.getByLabel('Media asset').click();
  await page.getByRole('option', { name: asset }).click();
  await shot(page, `${name}-1-parameters`);
  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Create' }).click();
  await page.waitForURL(/\/create\/tasks\//, { timeout: 30_000 });
}

describe('the demo template from /create', () => {
  let browser: Awaited<ReturnType<typeof openBrowser>>;
  beforeEach(async () => {
    browser = await openBrowser();
  });
  afterEach(async () => {
    await browser?.close();
  });

  it("warms an asset of the guest's team and links to its prefetch", async () => {
    const page = await signInAsGuest(browser.context);
    await runTemplate(page, 'Winter launch trailer 2026', 'warm');

    const link = page.getByRole('link', { name: 'The prefetch on the portal' });
    await link.waitFor({ timeout: 90_000 });
    await shot(page, 'warm-2-done');
    // The template's output, its markdown rendered: the status in bold, the quota left.
    await expect(
      page.locator('strong', { hasText: /^succeeded$/ }).count(),
    ).resolves.toBe(1);
    await expect(
      page.getByText(/\d+ prefetches left today on its account/).count(),
    ).resolves.toBe(1);
    // The step's log tells the progress.
    await expect(
      page.getByText(/cache warm; 3 of 3 URLs done/).count(),
    ).resolves.toBeGreaterThan(0);

    const href = await link.getAttribute('href');
    expect(href).toMatch(/\/vod\?id=[0-9a-f-]{36}$/);
    await page.goto(new URL(href!, FRONTEND_URL).toString());
    await page.getByText('Cache warm').first().waitFor({ timeout: 30_000 });
    await shot(page, 'warm-3-prefetch-page');
  });

  it("fails the step for another team's asset, naming the permission", async () => {
    const page = await signInAsGuest(browser.context);
    await runTemplate(page, 'Coastlines, season 1, episode 1', 'refused');
    await page
      .getByText(/vod\.prefetch\.create/)
      .first()
      .waitFor({ timeout: 60_000 });
    await shot(page, 'refused-2-failed');
    // The scaffolder recorded the task as failed.
    const taskId = /\/create\/tasks\/([^/?#]+)/.exec(page.url())![1];
    const task = await fetch(
      `${BACKEND_URL}/api/scaffolder/v2/tasks/${taskId}`,
      {
        headers: { Authorization: `Bearer ${await guestToken()}` },
      },
    );
    expect((await task.json()).status).toBe('failed');
  });
});
