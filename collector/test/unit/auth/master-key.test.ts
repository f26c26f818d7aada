import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MASTER_KEY_FILE, ensureMasterKey, parseMasterKey } from '../../../src/auth/master-key.js';

describe('auth/master-key', () => {
  describe('parseMasterKey', () => {
    const key = randomBytes(32);
    it('reads 32 bytes as hex, base64 or base64url', () => {
      expect(parseMasterKey(key.toString('hex'))).toEqual(key);
      expect(parseMasterKey(key.toString('base64'))).toEqual(key);
      expect(parseMasterKey(key.toString('base64url'))).toEqual(key);
      expect(parseMasterKey(`  ${key.toString('base64url')}\n`)).toEqual(key);
    });

    it('refuses anything else', () => {
      for (const text of ['', 'secret', randomBytes(31).toString('hex'), randomBytes(16).toString('base64'), randomBytes(33).toString('base64url')]) {
        expect(parseMasterKey(text), text).toBeUndefined();
      }
    });
  });

  describe('ensureMasterKey', () => {
    let dir: string | undefined;
    afterEach(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('uses the configured key and writes no file', () => {
      dir = mkdtempSync(join(tmpdir(), 'xray-mk-'));
      const key = randomBytes(32);
      expect(ensureMasterKey(key.toString('hex'), dir)).toEqual(key);
      expect(() => statSync(join(dir!, MASTER_KEY_FILE))).toThrow();
    });

    it('generates a key into a 0600 file once, and reads it back on the next start', () => {
      dir = mkdtempSync(join(tmpdir(), 'xray-mk-'));
      const first = ensureMasterKey(undefined, dir);
      expect(first).toHaveLength(32);
      expect(statSync(join(dir, MASTER_KEY_FILE)).mode & 0o777).toBe(0o600);
      expect(ensureMasterKey(undefined, dir)).toEqual(first);
      expect(parseMasterKey(readFileSync(join(dir, MASTER_KEY_FILE), 'utf8'))).toEqual(first);
    });

    it('refuses a damaged key file rather than replacing it (that would lose every secret)', () => {
      dir = mkdtempSync(join(tmpdir(), 'xray-mk-'));
      writeFileSync(join(dir, MASTER_KEY_FILE), 'garbage\n');
      expect(() => ensureMasterKey(undefined, dir!)).toThrow('does not hold a 32-byte key');
    });
  });
});
