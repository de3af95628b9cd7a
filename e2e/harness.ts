/** Starts the real product server on a free localhost port and a real headless Debian Chromium against it. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createServer } from '../server/app.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(import.meta.dirname, '..', 'test-results');

export interface Harness {
  baseUrl: string;
  /** Stops the server, as when the network goes away. */
  stopServer(): Promise<void>;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** A 16-bit PCM WAV played as the microphone (Chromium's fake capture; it loops). */
  fakeMicWav?: string;
  /** Chromium refuses microphone access, as when a user denies it. */
  denyMic?: boolean;
  viewport?: { width: number; height: number };
  path?: string;
  /** Runs in the page before the app (e.g. to take a browser feature away). */
  initScript?: string;
  /** More Chromium switches. */
  extraArgs?: string[];
}

export async function startServer(): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  const app = await createServer();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { baseUrl: `http://localhost:${port}`, close: () => app.close() };
}

export async function launch(opts: HarnessOptions = {}): Promise<Harness> {
  const server = await startServer();
  const userDataDir = await mkdtemp(join(tmpdir(), 'va-chromium-'));
  const args = [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required',
  ];
  if (opts.fakeMicWav) {
    args.push('--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${opts.fakeMicWav}`);
    if (!opts.denyMic) args.push('--use-fake-ui-for-media-stream');
  }
  if (opts.denyMic) args.push('--use-fake-device-for-media-stream', '--deny-permission-prompts');
  args.push(...(opts.extraArgs ?? []));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args,
    viewport: opts.viewport ?? { width: 1024, height: 768 },
  });
  if (opts.initScript) await context.addInitScript(opts.initScript);
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') console.error(`[console] ${m.text()}`);
  });
  await page.goto(`${server.baseUrl}${opts.path ?? '/'}`);
  let serverUp = true;
  const stopServer = async () => {
    if (serverUp) await server.close();
    serverUp = false;
  };
  return {
    baseUrl: server.baseUrl,
    stopServer,
    context,
    page,
    async close() {
      await context.close().catch(() => undefined);
      await stopServer();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** The app's observation hooks (src/app/test-hooks.ts), as seen from the test. */
type Hooks = import('../src/app/test-hooks.ts').TestHooks;
declare global {
  // eslint-disable-next-line no-var
  var __va: Hooks;
}

/** Waits until the app has loaded its models and exposed its hooks. */
export async function waitReady(page: Page): Promise<void> {
  await page.waitForFunction(() => globalThis.__va?.ready === true, undefined, { timeout: 60_000 });
}

export interface TurnResult {
  trace: import('../src/telemetry/spans.ts').TurnTraceJSON;
  text: string;
  passages: string[];
}

/**
 * Types a question, submits it, and waits until the reply has been spoken (or the turn failed). With
 * `wholeReply: false` it stops the reply with the talk button once its first audio has played (the text and
 * sources are on screen by then), to keep tests that are about something else quick.
 */
export async function askTyped(page: Page, question: string, opts: { wholeReply?: boolean } = {}): Promise<TurnResult> {
  const before = await page.evaluate(() => __va.traces().length);
  const bubbles = await page.locator('.msg.agent').count();
  await page.fill('#question', question);
  await page.press('#question', 'Enter');
  if (opts.wholeReply === false) {
    await page.waitForFunction(
      (n) => __va.traces().length > n || (__va.state() === 'speaking' && __va.traces().length === n && document.querySelector('.msg.agent:last-child .sources') !== null),
      before,
      { timeout: 60_000 },
    );
    if (await page.evaluate((n) => __va.traces().length === n, before)) {
      await page.waitForFunction(() => (__va.tap()?.firstNonSilentAt ?? 0) > 0);
      await page.click('#talk');
    }
  }
  await page.waitForFunction((n) => __va.traces().length > n, before, { timeout: 60_000 });
  const trace = await page.evaluate(() => __va.traces().at(-1)!);
  const bubble = page.locator('.msg.agent').nth(bubbles);
  const text = (await bubble.locator('p').first().textContent()) ?? '';
  const passages = await bubble.locator('.source').evaluateAll((els) => els.map((e) => e.getAttribute('data-passage') ?? ''));
  return { trace, text, passages };
}
