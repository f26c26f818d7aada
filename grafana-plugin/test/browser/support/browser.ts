/**
 * Helpers for the browser tests: Debian's Chromium driven by playwright-core,
 * a host server per test file, pages that fail the test on uncaught errors,
 * the panel-data probe, and screenshots.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { ProxyUser } from './grafana-plugin-proxy';
import { type HostServer, type PluginSettings, startHostServer } from './host-server';
import { ARTIFACTS_DIR, CHROMIUM_PATH, STATE_FILE } from './paths';
import type { SeedManifest } from './seed';

export interface RunState {
  collectorUrl: string;
  apiKey: string;
  /** The collector's XRAY_ADMIN_TOKEN (see ./test-app.ts). */
  adminToken: string;
  manifest: SeedManifest;
}

export function readState(): RunState {
  return JSON.parse(fs.readFileSync(STATE_FILE, 'utf8'));
}

export function configuredSettings(state: RunState): PluginSettings {
  return {
    enabled: true,
    pinned: true,
    jsonData: { collectorUrl: state.collectorUrl },
    secureJsonData: { apiKey: state.apiKey },
  };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface TestContext {
  browser: Browser;
  host: HostServer;
  page: Page;
  /** Uncaught page errors; tests assert it stays empty. */
  pageErrors: string[];
  /** Every URL the browser requested, with its request headers. */
  requests: Array<{ url: string; headers: Record<string, string>; postData: string | null }>;
}

export async function openContext(browser: Browser, settings: PluginSettings, user?: ProxyUser): Promise<TestContext> {
  const host = await startHostServer(settings, user);
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, colorScheme: 'dark' });
  const pageErrors: string[] = [];
  const requests: TestContext['requests'] = [];
  page.on('pageerror', (error) => {
    pageErrors.push(error.message);
    // The stack goes to the log: the assertion compares messages, the stack says where.
    console.error(`page error: ${error.stack ?? error.message}`);
  });
  page.on('request', (request) =>
    requests.push({ url: request.url(), headers: request.headers(), postData: request.postData() })
  );
  return { browser, host, page, pageErrors, requests };
}

export async function closeContext(context: TestContext | undefined): Promise<void> {
  await context?.page.close();
  await context?.host.close();
}

/** Opens a path of the host and waits until the plugin module has loaded and rendered. */
export async function gotoPlugin(context: TestContext, pathAndQuery: string): Promise<void> {
  await context.page.goto(`${context.host.url}${pathAndQuery}`);
  await context.page.waitForFunction(() => window.__hostReady === true || window.__hostError !== undefined, undefined, {
    timeout: 30_000,
  });
  const hostError = await context.page.evaluate(() => window.__hostError);
  if (hostError) {
    throw new Error(`The test host failed: ${hostError}`);
  }
}

export interface ProbedFrame {
  name?: string;
  meta?: { preferredVisualisationType?: string };
  length: number;
  fields: Array<{
    name: string;
    type: string;
    values: unknown[];
    displayName?: string;
    decimals?: number;
    links?: Array<{ title: string; url: string }>;
  }>;
}

/** The frames a panel (PanelRenderer) was given, inside the element with this test id. */
export async function panelFrames(
  page: Page,
  containerTestId: string
): Promise<{ pluginId: string; frames: ProbedFrame[] }> {
  const probe = page.getByTestId(containerTestId).getByTestId('host-panel-data');
  const [text, pluginId] = await Promise.all([probe.textContent(), probe.getAttribute('data-plugin-id')]);
  return { pluginId: pluginId ?? '', frames: JSON.parse(text ?? '[]') };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/**
 * Keeps a measured figure in test-artifacts/timings.json (and prints it):
 * the tests never assert speed, a person or bench/ reads the numbers.
 */
export function recordTiming(name: string, millis: number): void {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, 'timings.json');
  const timings = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  timings[name] = { millis: Math.round(millis), loadAverage: os.loadavg()[0], at: new Date().toISOString() };
  fs.writeFileSync(file, `${JSON.stringify(timings, null, 2)}\n`);
  console.log(`${name}: ${Math.round(millis)} (load average ${os.loadavg()[0].toFixed(2)})`);
}

/** The dark theme's colour for a token, as the browser reports computed colours (rgb()). */
export function hexToRgb(hex: string): string {
  const value = hex.replace('#', '');
  const full =
    value.length === 3
      ? value
          .split('')
          .map((c) => c + c)
          .join('')
      : value.slice(0, 6);
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16));
  return `rgb(${r}, ${g}, ${b})`;
}

declare global {
  interface Window {
    __hostReady?: boolean;
    __hostError?: string;
    __hostThemeColors?: { error: string; success: string; warning: string };
  }
}

/** What {@link usePluginPage} hands each test: the seeded run and a fresh page on its own host. */
export interface PluginPageSession {
  readonly state: RunState;
  readonly context: TestContext;
}

/**
 * The lifecycle every browser test file shares, registered in the calling
 * `describe`: one Chromium per file, a fresh host and page per test (with
 * the plugin settings `settingsFor` gives, signed in as `user`, a Viewer by
 * default), no uncaught page error allowed in any test, and every collector
 * request the page made matched a plugin.json route under Grafana's rules.
 */
export function usePluginPage(
  settingsFor: (state: RunState) => PluginSettings = configuredSettings,
  user?: ProxyUser
): PluginPageSession {
  let browser: Browser | undefined;
  let state: RunState | undefined;
  let context: TestContext | undefined;
  beforeAll(async () => {
    state = readState();
    browser = await launchBrowser();
  });
  afterAll(async () => browser?.close());
  beforeEach(async () => {
    context = await openContext(browser!, settingsFor(state!), user);
  });
  afterEach(async () => {
    expect(context!.pageErrors).toEqual([]);
    expect(context!.host.proxied.filter((request) => request.decision !== 'forward')).toEqual([]);
    await closeContext(context);
  });
  return {
    get state() {
      return state!;
    },
    get context() {
      return context!;
    },
  };
}
