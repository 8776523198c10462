import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';

/** Where the portal under test runs; scripts/e2e.sh starts it. */
export const FRONTEND_URL =
  process.env.E2E_FRONTEND_URL ?? 'http://localhost:3000';
export const BACKEND_URL =
  process.env.E2E_BACKEND_URL ?? 'http://localhost:7007';
/** The VOD simulator the portal prefetches into (its `/admin` routes). */
export const SIMULATOR_URL = 'http://127.0.0.1:18080';

/** Debian's chromium, headless, with a fresh profile and no calls to the outside. */
export async function openBrowser(): Promise<{
  context: BrowserContext;
  close: () => Promise<void>;
}> {
  const profile = mkdtempSync(join(tmpdir(), 'vod-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens the portal and signs in with the demo's guest provider. */
export async function signInAsGuest(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(FRONTEND_URL);
  await page.getByRole('button', { name: 'Enter' }).click();
  // Signed in once the app shows its sidebar; a page loaded before would ask again.
  await page
    .getByRole('link', { name: 'Catalog' })
    .first()
    .waitFor({ timeout: 120_000 });
  return page;
}

/** A Backstage token of the demo's guest, for calling the backend's API directly. */
export async function guestToken(): Promise<string> {
  const res = await fetch(
    `${BACKEND_URL}/api/auth/guest/refresh?optional&env=development`,
    { headers: { 'X-Requested-With': 'XMLHttpRequest' } },
  );
  if (!res.ok) throw new Error(`guest sign-in: ${res.status}`);
  return (await res.json()).backstageIdentity.token;
}
