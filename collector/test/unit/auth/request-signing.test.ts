import { describe, expect, it } from 'vitest';
import { createSignatureCheck } from '../../../src/auth/request-signing.js';
import { signBody } from '../../../src/auth/signature.js';

const SECRET = 'xrs_request-signing-test-secret-0123456789abcdef';
const BODY = Buffer.from('{}');
const NOW_MILLIS = 1_767_225_600_000;

function setup(required: boolean) {
  const secretLookups: string[] = [];
  const check = createSignatureCheck({
    settingsOf: async () => ({ signatureRequired: required }),
    secretsOf: async (appId) => {
      secretLookups.push(appId);
      return [SECRET];
    },
    windowSeconds: 300,
    nowMillis: () => NOW_MILLIS,
  });
  return { check, secretLookups };
}

describe('auth/request-signing', () => {
  describe('createSignatureCheck', () => {
    it('lets an unsigned request through when the app does not require signatures, without loading secrets', async () => {
      const { check, secretLookups } = setup(false);
      expect(await check('a', undefined, BODY)).toEqual({ ok: true });
      expect(secretLookups).toEqual([]);
    });

    it("verifies against the app's secrets at the current time", async () => {
      const { check, secretLookups } = setup(true);
      const t = NOW_MILLIS / 1000;
      expect(await check('a', `t=${t},v1=${signBody(SECRET, t, BODY)}`, BODY)).toEqual({ ok: true });
      expect(await check('a', `t=${t - 301},v1=${signBody(SECRET, t - 301, BODY)}`, BODY)).toMatchObject({ code: 'XRAY_ERR_SIGNATURE_STALE' });
      expect(await check('a', undefined, BODY)).toMatchObject({ code: 'XRAY_ERR_SIGNATURE_MISSING' });
      expect(secretLookups).toEqual(['a', 'a', 'a']);
    });
  });
});
