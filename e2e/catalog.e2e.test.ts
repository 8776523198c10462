import { openBrowser, signInAsGuest, BACKEND_URL } from './browser';

describe('demo portal', () => {
  let browser: Awaited<ReturnType<typeof openBrowser>>;

  // A fresh profile per test, so each one signs in from scratch.
  beforeEach(async () => {
    browser = await openBrowser();
  });
  afterEach(async () => {
    await browser?.close();
  });

  it('answers the vod health check without credentials', async () => {
    const res = await fetch(`${BACKEND_URL}/api/vod/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('lists the demo media entities in the catalog after guest sign-in', async () => {
    const page = await signInAsGuest(browser.context);

    const table = page.getByRole('table');
    for (const title of [
      'Winter launch trailer 2026',
      'Coastlines, season 1, episode 1',
      'Cup final highlights',
      'Getting started tutorial',
      'Brand sting (draft)',
    ]) {
      await table
        .getByRole('link', { name: title })
        .waitFor({ timeout: 60_000 });
    }
    await page.screenshot({ path: '.ci-out/e2e-catalog.png' });
  });

  it("opens a media entity's page with its owner", async () => {
    const page = await signInAsGuest(browser.context);

    await page
      .getByRole('link', { name: 'Winter launch trailer 2026' })
      .click();

    await page
      .getByRole('heading', { name: 'Winter launch trailer 2026' })
      .waitFor();
    expect(page.url()).toContain(
      '/catalog/default/resource/winter-launch-trailer-2026',
    );
    await page.getByRole('link', { name: 'Media Platform' }).first().waitFor();
  });
});
