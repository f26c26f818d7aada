/**
 * First-start conveniences for the quickstart: a default app with a key, and
 * an admin token for the CLI. Keys are stored hashed; the clear key of the
 * default app is kept only in a 0600 file in the data folder (a local
 * development convenience: set XRAY_API_KEY to choose the key yourself and no
 * file is written). The key is printed once, by the start that creates it;
 * later starts print where the file is, never the key.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashApiKey } from './auth/api-key.js';
import { issueApiKey } from './auth/issue-key.js';
import type { AppsRepository } from './store/index.js';

export const DEFAULT_KEY_FILE = 'default-app.key';
export const ADMIN_TOKEN_FILE = 'admin.token';

export interface DefaultApp {
  appId: string;
  apiKey: string;
  /** Where the key came from. */
  source: 'environment' | 'key-file' | 'created';
}

function readSecret(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const value = readFileSync(path, 'utf8').trim();
  return value === '' ? undefined : value;
}

function writeSecret(path: string, value: string): void {
  writeFileSync(path, value + '\n', { mode: 0o600 });
}

async function ensureApp(apps: AppsRepository, appId: string): Promise<void> {
  if (!(await apps.getApp(appId))) await apps.createApp(appId, appId);
}

/** Makes sure the default app exists and has a usable key, and returns that key. */
export async function ensureDefaultApp(
  apps: AppsRepository,
  options: { appId: string; apiKey: string | undefined; dataDir: string },
): Promise<DefaultApp> {
  if (options.apiKey) {
    const owner = await apps.findAppIdByKeyHash(hashApiKey(options.apiKey));
    if (owner) return { appId: owner, apiKey: options.apiKey, source: 'environment' };
    await ensureApp(apps, options.appId);
    await issueApiKey(apps, options.appId, 'XRAY_API_KEY', options.apiKey);
    return { appId: options.appId, apiKey: options.apiKey, source: 'environment' };
  }
  mkdirSync(options.dataDir, { recursive: true });
  const keyFile = join(options.dataDir, DEFAULT_KEY_FILE);
  const saved = readSecret(keyFile);
  if (saved) {
    const owner = await apps.findAppIdByKeyHash(hashApiKey(saved));
    if (owner) return { appId: owner, apiKey: saved, source: 'key-file' };
  }
  await ensureApp(apps, options.appId);
  const { apiKey } = await issueApiKey(apps, options.appId, 'default');
  writeSecret(keyFile, apiKey);
  return { appId: options.appId, apiKey, source: 'created' };
}

/**
 * The start-up lines about the default app's key: the key itself only on the
 * start that created it.
 *
 * @example
 * defaultKeyLines(defaultApp, '/var/lib/xray', 'http://127.0.0.1:4318')
 * // ['App "default" API key:  in /var/lib/xray/default-app.key (printed on the first start only)', 'export XRAY_API_KEY=…']
 */
export function defaultKeyLines(defaultApp: DefaultApp, dataDir: string, endpoint: string): string[] {
  const keyFile = join(dataDir, DEFAULT_KEY_FILE);
  const name = `App "${defaultApp.appId}" API key:`;
  if (defaultApp.source === 'created') {
    return [
      `${name}  ${defaultApp.apiKey}   (shown once; kept in ${keyFile}, mode 0600)`,
      `export XRAY_API_KEY=${defaultApp.apiKey} XRAY_ENDPOINT=${endpoint}`,
    ];
  }
  if (defaultApp.source === 'key-file') {
    return [
      `${name}  in ${keyFile} (printed on the first start only)`,
      `export XRAY_API_KEY=$(cat ${keyFile}) XRAY_ENDPOINT=${endpoint}`,
    ];
  }
  return [`${name}  the one in XRAY_API_KEY`, `export XRAY_ENDPOINT=${endpoint}`];
}

/** The admin token: the configured one, else the one saved in the data folder, else a new one saved there. */
export function ensureAdminToken(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, ADMIN_TOKEN_FILE);
  const saved = readSecret(path);
  if (saved) return saved;
  const token = 'xradm_' + randomBytes(32).toString('base64url');
  writeSecret(path, token);
  return token;
}
