/**
 * Where the collector is and which secrets to send, from flags, then the
 * environment, then the files the collector writes in its data folder on
 * first start (so `npm start` then `npx xray executions` needs no setup).
 * Secrets are read only when a command needs them: `xray help` and a wrong
 * flag never touch the files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_TOKEN_FILE, DEFAULT_KEY_FILE } from '../bootstrap.js';
import { CliError, UsageError } from './errors.js';
import { stringOption } from './args.js';
import type { OptionValues } from './args.js';

export const DEFAULT_URL = 'http://127.0.0.1:4318';
export const DEFAULT_DATA_DIR = '.xray/data';

/** A secret and where it came from, so an auth error can say which one was wrong. */
export interface Secret {
  value: string;
  source: string;
}

export interface Settings {
  /** Base URL without a trailing slash. */
  url: string;
  dataDir: string;
  /** The app API key for the query routes; throws CliError when there is none. */
  apiKey(): Secret;
  /** The admin token for the admin routes; throws CliError when there is none. */
  adminToken(): Secret;
}

/** Reads a secret file; undefined when missing or empty. */
export type ReadSecretFile = (path: string) => string | undefined;

export const readSecretFile: ReadSecretFile = (path) => {
  if (!existsSync(path)) return undefined;
  const value = readFileSync(path, 'utf8').trim();
  return value === '' ? undefined : value;
};

const nonEmpty = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value.trim());

/** Accepts the base URL or the full traces URL (what XRAY_ENDPOINT may hold for the SDK). */
export function normalizeUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--url must be an http(s) URL such as ${DEFAULT_URL}, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`--url must be an http(s) URL such as ${DEFAULT_URL}, got ${JSON.stringify(value)}`);
  }
  return value.replace(/\/+$/, '').replace(/\/v1\/traces$/, '');
}

/**
 * @example
 * const settings = resolveSettings(values, process.env);
 * settings.apiKey(); // { value: 'xr_…', source: 'XRAY_API_KEY' }
 */
export function resolveSettings(
  values: OptionValues,
  env: Record<string, string | undefined>,
  readSecret: ReadSecretFile = readSecretFile,
): Settings {
  const url = normalizeUrl(nonEmpty(stringOption(values, 'url')) ?? nonEmpty(env.XRAY_URL) ?? nonEmpty(env.XRAY_ENDPOINT) ?? DEFAULT_URL);
  const dataDir = nonEmpty(stringOption(values, 'data-dir')) ?? nonEmpty(env.XRAY_DATA_DIR) ?? DEFAULT_DATA_DIR;

  const secret = (flag: string, envName: string, file: string, what: string): Secret => {
    const fromFlag = nonEmpty(stringOption(values, flag));
    if (fromFlag) return { value: fromFlag, source: `--${flag}` };
    const fromEnv = nonEmpty(env[envName]);
    if (fromEnv) return { value: fromEnv, source: envName };
    const path = join(dataDir, file);
    const fromFile = readSecret(path);
    if (fromFile) return { value: fromFile, source: path };
    throw new CliError(`No ${what}: pass --${flag}, set ${envName}, or let the CLI read ${path}.`, {
      hint: 'The collector writes that file on its first start (`npm start`); run the CLI from the same folder, or point --data-dir / XRAY_DATA_DIR at its data folder.',
    });
  };

  return {
    url,
    dataDir,
    apiKey: () => secret('api-key', 'XRAY_API_KEY', DEFAULT_KEY_FILE, 'API key'),
    adminToken: () => secret('admin-token', 'XRAY_ADMIN_TOKEN', ADMIN_TOKEN_FILE, 'admin token'),
  };
}
