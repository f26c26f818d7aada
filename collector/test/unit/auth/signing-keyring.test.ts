import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox } from '../../../src/auth/secret-box.js';
import { createSigningKeyring } from '../../../src/auth/signing-keyring.js';
import type { SigningSecretRecord, SigningSecretsRepository } from '../../../src/store/index.js';

/** The repository's contract over an array, with a count of reads. */
function memoryRepository() {
  const rows: (SigningSecretRecord & { revoked: boolean })[] = [];
  let reads = 0;
  const repository: SigningSecretsRepository = {
    async add({ appId, secretPrefix, sealed }) {
      rows.push({ appId, secretPrefix, sealed, createdAt: String(rows.length), revoked: false });
    },
    async listActive(appId) {
      reads++;
      return rows.filter((row) => row.appId === appId && !row.revoked).map(({ revoked: _revoked, ...row }) => row);
    },
    async revoke(appId, secretPrefix) {
      const matching = rows.filter((row) => row.appId === appId && row.secretPrefix === secretPrefix && !row.revoked);
      for (const row of matching) row.revoked = true;
      return matching.length;
    },
  };
  return { repository, rows, reads: () => reads };
}

describe('auth/signing-keyring', () => {
  describe('createSigningKeyring', () => {
    it('issues xrs_ secrets, stores them sealed, and at most two per app', async () => {
      const { repository, rows } = memoryRepository();
      const keyring = createSigningKeyring({ repository, box: createSecretBox(randomBytes(32)) });
      const first = await keyring.issue('a');
      const second = await keyring.issue('a');
      expect(first?.secret).toMatch(/^xrs_[A-Za-z0-9_-]{43}$/);
      expect(first?.secretPrefix).toBe(first?.secret.slice(0, 12));
      expect(await keyring.issue('a')).toBeUndefined();
      expect(await keyring.issue('b')).toBeDefined();
      expect(rows.map((row) => row.sealed).join()).not.toContain(first!.secret.slice(4));
      expect(await keyring.activeSecrets('a')).toEqual([first!.secret, second!.secret]);
    });

    it('caches the opened secrets and forgets them when one is issued or revoked', async () => {
      const { repository, reads } = memoryRepository();
      const keyring = createSigningKeyring({ repository, box: createSecretBox(randomBytes(32)) });
      const first = await keyring.issue('a');
      await keyring.activeSecrets('a');
      const before = reads();
      await keyring.activeSecrets('a');
      expect(reads()).toBe(before);
      await keyring.revoke('a', first!.secretPrefix);
      expect(await keyring.activeSecrets('a')).toEqual([]);
    });

    it('skips and reports a secret it cannot open (another master key), keeping the others', async () => {
      const { repository } = memoryRepository();
      const old = createSigningKeyring({ repository, box: createSecretBox(randomBytes(32)) });
      const lost = await old.issue('a');
      const unreadable: string[] = [];
      const keyring = createSigningKeyring({
        repository,
        box: createSecretBox(randomBytes(32)),
        onUnreadable: (appId, secretPrefix) => unreadable.push(`${appId}/${secretPrefix}`),
      });
      const fresh = await keyring.issue('a');
      expect(await keyring.activeSecrets('a')).toEqual([fresh!.secret]);
      expect(unreadable).toEqual([`a/${lost!.secretPrefix}`]);
    });

    it('refuses a sealed secret moved to another app', async () => {
      const { repository, rows } = memoryRepository();
      const keyring = createSigningKeyring({ repository, box: createSecretBox(randomBytes(32)) });
      await keyring.issue('victim');
      rows.push({ ...rows[0], appId: 'attacker' });
      expect(await keyring.activeSecrets('attacker')).toEqual([]);
    });
  });
});
