/**
 * First-start conveniences for the quickstart: a default app with a key, and
 * an admin token for the CLI. Keys are stored hashed; the clear key of the
 * default app is kept only in a 0600 file in the data folder, so that every
 * start can print it (a local development convenience: set XRAY_API_KEY to
 * choose the key yourself and no file is written).
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
