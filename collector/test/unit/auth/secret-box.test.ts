import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox } from '../../../src/auth/secret-box.js';

const SECRET = 'xrs_' + randomBytes(32).toString('base64url');

describe('auth/secret-box', () => {
  describe('createSecretBox', () => {
    const key = randomBytes(32);
    const box = createSecretBox(key);

    it('opens what it sealed, with the same context', () => {
      expect(box.open(box.seal(SECRET, 'app\0xrs_AbCd1234'), 'app\0xrs_AbCd1234')).toBe(SECRET);
    });

    it('never shows the secret, and seals the same secret differently each time', () => {
      const a = box.seal(SECRET, 'ctx');
      const b = box.seal(SECRET, 'ctx');
      expect(a).not.toBe(b);
      expect(a).not.toContain(SECRET.slice(4, 20));
      expect(Buffer.from(a.slice(3), 'base64url').toString('latin1')).not.toContain(SECRET.slice(4, 20));
    });

    it('refuses to open with another context (a row copied to another app)', () => {
      expect(() => box.open(box.seal(SECRET, 'app-a\0p'), 'app-b\0p')).toThrow();
    });

    it('refuses to open with another master key', () => {
      expect(() => createSecretBox(randomBytes(32)).open(box.seal(SECRET, 'ctx'), 'ctx')).toThrow();
    });

    it('refuses a sealed value with a flipped bit', () => {
      const sealed = box.seal(SECRET, 'ctx');
      const bytes = Buffer.from(sealed.slice(3), 'base64url');
      bytes[bytes.length - 1] ^= 1;
      expect(() => box.open(`v1:${bytes.toString('base64url')}`, 'ctx')).toThrow();
      expect(() => box.open('v1:AAAA', 'ctx')).toThrow();
      expect(() => box.open(SECRET, 'ctx')).toThrow();
    });

    it('needs a 32-byte key', () => {
      expect(() => createSecretBox(randomBytes(16))).toThrow('32 bytes');
    });
  });
});
