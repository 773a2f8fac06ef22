/**
 * Debian's chromium driven by playwright-core, for the console's browser tests: a fresh profile
 * per launch, the flags tools/chromium.ts names, and every page's dialogs and errors recorded.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BrowserContext, Page, chromium } from 'playwright-core';
import { CHROMIUM_ARGS, ensureChromium } from '../../tools/chromium';

export const ARTIFACTS = resolve(__dirname, '..', '..', 'test-artifacts', 'console');

export interface Browser {
  context: BrowserContext;
  /** A new tab of `width` px, recording dialogs (an alert would mean script injection). */
  page(width?: number): Promise<Page>;
  dialogs: string[];
  pageErrors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const executablePath = ensureChromium();
  const profile = mkdtempSync(join(tmpdir(), 'cronplane-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  const dialogs: string[] = [];
  const pageErrors: string[] = [];
  context.on('dialog', (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return {
    context,
    dialogs,
    pageErrors,
    async page(width = 1280) {
      const page = await context.newPage();
      await page.setViewportSize({ width, height: width < 600 ? 844 : 900 });
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') pageErrors.push(message.text());
      });
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as test-artifacts/console/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** The page's whole DOM as it is now (`document.documentElement.outerHTML`). */
export async function pageHtml(page: Page): Promise<string> {
  return (await page.evaluate('document.documentElement.outerHTML')) as string;
}

/** The values of the page's form fields, which outerHTML does not hold (they are properties). */
export async function fieldValues(page: Page): Promise<string[]> {
  return page
    .locator('input, textarea, select')
    .evaluateAll((fields) => fields.map((field) => (field as unknown as { value: string }).value));
}

/** Everything the page holds: its DOM and its form fields' values, to scan for a secret. */
export async function pageContents(page: Page): Promise<string> {
  return [await pageHtml(page), ...(await fieldValues(page))].join('\n');
}
