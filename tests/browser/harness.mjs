// What every browser test file starts from: the built app served on 127.0.0.1 and
// Debian's Chromium with a fresh profile and the flags the project runs it with.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveDir } from './server.mjs';

export const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Headless, no network of its own (no QUIC, no background or component updates, no sync). */
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/**
 * Serves `dist` and starts Chromium with a fresh profile named after the test file;
 * `options` go to `launchPersistentContext` (a time zone, another viewport). Also makes
 * tests/browser/out/ for screenshots. Resolves to { server, context, close() }.
 */
export async function startApp(dist, name, options = {}) {
  assert.ok(existsSync(join(dist, 'index.html')), `no ${dist}/index.html: run \`trunk build --offline\` first`);
  assert.ok(existsSync(chromiumPath), `no Chromium at ${chromiumPath}: run ./scripts/setup`);
  await mkdir(join(dirname(fileURLToPath(import.meta.url)), 'out'), { recursive: true });
  const server = await serveDir(dist);
  const userDataDir = await mkdtemp(join(tmpdir(), `inflight-${name}-`));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    args: CHROMIUM_ARGS,
    ...options,
  });
  return {
    server,
    context,
    async close() {
      await context.close();
      await server.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
