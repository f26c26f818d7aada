/**
 * The collector's master key: 32 bytes that encrypt the signing secrets at
 * rest (auth/secret-box.ts). Taken from XRAY_SECRET_KEY when set, else read
 * from XRAY_DATA_DIR/secret.key, else generated there with mode 0600, like
 * the admin token. Losing it makes the stored signing secrets unreadable
 * (issue new ones); keep it apart from database backups.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const MASTER_KEY_FILE = 'secret.key';
const KEY_BYTES = 32;

/** 32 bytes from hex (64 digits), base64 or base64url text; undefined when it is not that. */
export function parseMasterKey(text: string): Buffer | undefined {
  const value = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(value)) return undefined;
  const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === KEY_BYTES ? bytes : undefined;
}

export function isMasterKeyText(text: string): boolean {
  return parseMasterKey(text) !== undefined;
}

/**
 * The configured key, else the saved one, else a new one saved in `dataDir`.
 *
 * @example
 * const masterKey = ensureMasterKey(config.secretKey, config.dataDir); // a 32-byte Buffer
 */
export function ensureMasterKey(configured: string | undefined, dataDir: string): Buffer {
  if (configured) {
    const key = parseMasterKey(configured);
    if (!key) throw new Error('XRAY_SECRET_KEY is not 32 bytes of hex, base64 or base64url');
    return key;
  }
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, MASTER_KEY_FILE);
  if (existsSync(path)) {
    const key = parseMasterKey(readFileSync(path, 'utf8'));
    if (!key) throw new Error(`${path} does not hold a 32-byte key (hex, base64 or base64url)`);
    return key;
  }
  const key = randomBytes(KEY_BYTES);
  writeFileSync(path, key.toString('base64url') + '\n', { mode: 0o600 });
  return key;
}
