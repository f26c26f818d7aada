import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  API_KEY_PREFIX,
  generateApiKey,
  hashApiKey,
  isApiKeyShaped,
  keyDisplayPrefix,
  secretsEqual,
} from '../../../src/auth/api-key.js';

describe('auth/api-key', () => {
  describe('generateApiKey', () => {
    it('makes "xr_" followed by 256 random bits in base64url (43 characters)', () => {
      const key = generateApiKey();
      expect(API_KEY_PREFIX).toBe('xr_');
      expect(key).toMatch(/^xr_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(key.slice(3), 'base64url')).toHaveLength(32);
    });

    it('makes a different key every time', () => {
      const keys = new Set(Array.from({ length: 100 }, () => generateApiKey()));
      expect(keys.size).toBe(100);
    });

    it('makes keys that isApiKeyShaped accepts', () => {
      expect(isApiKeyShaped(generateApiKey())).toBe(true);
    });
  });

  describe('hashApiKey', () => {
    it('is the lowercase hex SHA-256 of the key', () => {
      expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      const key = generateApiKey();
      expect(hashApiKey(key)).toBe(createHash('sha256').update(key).digest('hex'));
    });

    it('is stable and differs between keys', () => {
      const key = generateApiKey();
      expect(hashApiKey(key)).toBe(hashApiKey(key));
      expect(hashApiKey(key)).not.toBe(hashApiKey(generateApiKey()));
      expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    });
  });

  describe('keyDisplayPrefix', () => {
    it('keeps "xr_" and the next 8 characters', () => {
      expect(keyDisplayPrefix('xr_AbC12345rest-of-the-secret')).toBe('xr_AbC12345');
    });

    it('reveals too little of a generated key to matter', () => {
      const key = generateApiKey();
      expect(keyDisplayPrefix(key)).toHaveLength(11);
      expect(key.startsWith(keyDisplayPrefix(key))).toBe(true);
    });
  });

  describe('isApiKeyShaped', () => {
    it('accepts "xr_" followed by 16 to 128 base64url characters', () => {
      expect(isApiKeyShaped(`xr_${'a'.repeat(16)}`)).toBe(true);
      expect(isApiKeyShaped(`xr_${'A1_-'.repeat(32)}`)).toBe(true);
    });

    it.each([
      ['too short', `xr_${'a'.repeat(15)}`],
      ['too long', `xr_${'a'.repeat(129)}`],
      ['the wrong prefix', `xx_${'a'.repeat(20)}`],
      ['an upper-case prefix', `XR_${'a'.repeat(20)}`],
      ['characters outside base64url', `xr_${'a'.repeat(20)}+/=`],
      ['whitespace', ` xr_${'a'.repeat(20)}`],
      ['nothing', ''],
    ])('rejects a key with %s', (_case, key) => {
      expect(isApiKeyShaped(key)).toBe(false);
    });
  });

  describe('secretsEqual', () => {
    it('is true for equal secrets and false for different ones', () => {
      expect(secretsEqual('admin-token-0123456789', 'admin-token-0123456789')).toBe(true);
      expect(secretsEqual('admin-token-0123456789', 'admin-token-0123456780')).toBe(false);
    });

    it('compares secrets of different lengths without throwing', () => {
      expect(secretsEqual('short', 'a-much-longer-secret')).toBe(false);
      expect(secretsEqual('', 'x')).toBe(false);
    });
  });
});
