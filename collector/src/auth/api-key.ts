/**
 * API key format and hashing. A key is `xr_` + 256 random bits in base64url;
 * only its SHA-256 is stored. A fast hash is right here (unlike passwords):
 * the keys are random, so there is nothing to brute-force from the hash.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const API_KEY_PREFIX = 'xr_';
/** How many leading characters are kept in clear so people can tell keys apart. */
export const KEY_PREFIX_LENGTH = 11;

/** A new random API key. */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The part of a key that may be shown and stored in clear, e.g. `xr_AbC12345`. */
export function keyDisplayPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX_LENGTH);
}

export function isApiKeyShaped(value: string): boolean {
  return /^xr_[A-Za-z0-9_-]{16,128}$/.test(value);
}

/** Compares two secrets in constant time (by their hashes, so lengths may differ). */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
