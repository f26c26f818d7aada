import { describe, expect, it } from 'vitest';
import { credentialFrom } from '../../../src/auth/credentials.js';

const KEY = `xr_${'k'.repeat(40)}`;

describe('auth/credentials', () => {
  describe('credentialFrom', () => {
    it('reads a Bearer token from Authorization, whatever the scheme case', () => {
      expect(credentialFrom({ authorization: `Bearer ${KEY}` })).toBe(KEY);
      expect(credentialFrom({ authorization: `bearer ${KEY}` })).toBe(KEY);
      expect(credentialFrom({ authorization: `BEARER   ${KEY}  ` })).toBe(KEY);
    });

    it('reads x-api-key, trimmed', () => {
      expect(credentialFrom({ 'x-api-key': KEY })).toBe(KEY);
      expect(credentialFrom({ 'x-api-key': `  ${KEY} ` })).toBe(KEY);
    });

    it('prefers the Bearer token when both are sent', () => {
      expect(credentialFrom({ authorization: 'Bearer from-auth', 'x-api-key': 'from-header' })).toBe('from-auth');
    });

    it('falls back to x-api-key when Authorization is not a Bearer token', () => {
      expect(credentialFrom({ authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': KEY })).toBe(KEY);
      expect(credentialFrom({ authorization: 'Bearer', 'x-api-key': KEY })).toBe(KEY);
    });

    it('returns undefined when neither carries a credential', () => {
      expect(credentialFrom({})).toBeUndefined();
      expect(credentialFrom({ authorization: 'Basic dXNlcjpwYXNz' })).toBeUndefined();
      expect(credentialFrom({ authorization: 'Bearer two words' })).toBeUndefined();
      expect(credentialFrom({ 'x-api-key': '   ' })).toBeUndefined();
    });
  });
});
