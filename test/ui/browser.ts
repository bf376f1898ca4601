/**
 * Headless Chromium for the Web UI test, driven by playwright-core (the library without its browser
 * downloads): the machine's own Chromium, found on PATH or named by CHROMIUM_PATH.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** The Chromium to drive, or undefined when the machine has none. */
export function findChromium(): string | undefined {
  const given = process.env.CHROMIUM_PATH;
  if (given) return existsSync(given) ? given : undefined;
  for (const name of CANDIDATES) {
    try {
      const found = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
      if (found) return found;
    } catch {
      // not this one
    }
  }
  return undefined;
}

export const NO_CHROMIUM = `no Chromium found: the Web UI test drives a real browser. Install one (Debian/Ubuntu: apt-get install chromium) or set CHROMIUM_PATH to its executable.`;

export async function launchChromium(executablePath: string): Promise<Browser> {
  // --no-sandbox: CI and containers run as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
}

/** Where screenshots go: UI_SCREENSHOTS_DIR, or a fresh temporary folder (kept, so a person can look). */
export function screenshotDir(): string {
  const given = process.env.UI_SCREENSHOTS_DIR;
  if (given) {
    mkdirSync(given, { recursive: true });
    return given;
  }
  return mkdtempSync(path.join(os.tmpdir(), 'atlas-restore-web-ui-'));
}

/** The page's text as a person reads it (what is rendered, not the markup), spaces collapsed. */
export async function visibleText(page: Page): Promise<string> {
  const text = await page.locator('body').innerText();
  return text.replace(/[ \t\u00a0]+/g, ' ');
}

/**
 * Waits until the rendered text contains every one of `needles` (the UI loads its data after the page),
 * and returns that text; fails naming what never appeared.
 */
export async function waitForText(page: Page, needles: string[], timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  for (;;) {
    text = await visibleText(page);
    const missing = needles.filter((needle) => !text.includes(needle));
    if (missing.length === 0) return text;
    if (Date.now() > deadline) {
      throw new Error(
        `the page ${page.url()} never showed ${missing.map((m) => JSON.stringify(m)).join(', ')}; it shows:\n${text.slice(0, 4000)}`,
      );
    }
    await page.waitForTimeout(250);
  }
}
