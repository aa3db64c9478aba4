/**
 * A real Chromium for the UI tests: Debian's package at /usr/bin/chromium, driven by playwright-core.
 * A missing browser fails the run with the command that installs it — UI tests are never skipped.
 * `watchPage` records what must not happen on a page: dialogs, script errors and CSP violations.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}; the admin UI tests drive a real browser.\n` +
        'Install Debian\'s package: apt-get install chromium   (as root, after apt-get update)',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface PageWatch {
  dialogs: string[];
  /** Uncaught script errors, CSP violations and failed loads of our own static assets. */
  problems: string[];
}

export function watchPage(page: Page): PageWatch {
  const watch: PageWatch = { dialogs: [], problems: [] };
  page.on('dialog', (dialog) => {
    watch.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss().catch(() => {});
  });
  page.on('pageerror', (err) => watch.problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    // A 401 or 409 page is a "failed resource" to Chromium; only our own assets failing matters.
    if (text.startsWith('Failed to load resource') && !msg.location().url.includes('/ui/static/')) return;
    watch.problems.push(`console: ${text}`);
  });
  return watch;
}
