/**
 * Encryption at rest for secrets the collector must read back in clear (the
 * signing secrets: verifying an HMAC needs the secret itself, so a hash
 * would not do). AES-256-GCM under the master key, a fresh 96-bit IV per
 * secret, and associated data naming the secret's owner, so a sealed value
 * copied to another app's row fails to open instead of working there.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretBox {
  /** Encrypts `plain`, bound to `context` (e.g. `app\0prefix`). */
  seal(plain: string, context: string): string;
  /** Decrypts what seal() produced with the same context; throws when the key, context or bytes differ. */
  open(sealed: string, context: string): string;
}

/**
 * @example
 * const box = createSecretBox(masterKey);
 * const sealed = box.seal('xrs_…', 'checkout\0xrs_AbCd1234'); // 'v1:…', safe to store
 * box.open(sealed, 'checkout\0xrs_AbCd1234'); // 'xrs_…'
 */
export function createSecretBox(masterKey: Buffer): SecretBox {
  if (masterKey.length !== 32) throw new Error('The master key must be 32 bytes');
  return {
    seal(plain, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const encrypted = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return VERSION + Buffer.concat([iv, cipher.getAuthTag(), encrypted]).toString('base64url');
    },
    open(sealed, context) {
      if (!sealed.startsWith(VERSION)) throw new Error('Not a sealed secret');
      const bytes = Buffer.from(sealed.slice(VERSION.length), 'base64url');
      if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error('Sealed secret too short');
      const decipher = createDecipheriv('aes-256-gcm', masterKey, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    },
  };
}
