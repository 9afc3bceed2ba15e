import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll } from 'vitest';
import { requireClient } from '../support/clients.ts';

/** Debian's Chromium; playwright-core drives it and downloads no browser of its own. */
export const CHROMIUM = '/usr/bin/chromium';

export const chromiumInstalled = () => requireClient('Chromium', existsSync(CHROMIUM), 'apt-get install chromium');

export interface Browser {
  readonly context: BrowserContext;
  /** Every request the page tried to send anywhere but the allowed origins (each was aborted). */
  readonly leaks: string[];
}

/**
 * Headless Chromium with a fresh profile, its own background traffic (updates, sync, QUIC probes) off, and every
 * request to a host other than `allowedOrigins` aborted and recorded, so a test can assert nothing tried to leave.
 *
 * `intercept: false` is for CORS tests: while Playwright intercepts requests it answers CORS preflights itself,
 * permissively, so the server's own answers would go untested. Then a dead proxy stops whatever is not on the
 * loopback interface (which Chromium never proxies), and every request is still recorded.
 */
export async function openBrowser(allowedOrigins: readonly string[], { intercept = true } = {}): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'runners-gateway-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(intercept ? [] : ['--proxy-server=http://127.0.0.1:9']),
    ],
  });
  const leaks: string[] = [];
  const allowed = (url: string) =>
    allowedOrigins.some((origin) => url.startsWith(`${origin}/`)) || url.startsWith('data:') || url.startsWith('blob:');
  if (!intercept) {
    context.on('request', (request) => {
      if (!allowed(request.url())) leaks.push(request.url());
    });
    afterAll(async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    });
    return { context, leaks };
  }
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (allowed(url)) {
      await route.continue();
    } else {
      leaks.push(url);
      await route.abort('blockedbyclient');
    }
  });
  afterAll(async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  });
  return { context, leaks };
}
