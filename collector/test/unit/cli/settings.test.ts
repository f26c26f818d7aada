import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError, UsageError } from '../../../src/cli/errors.js';
import { DEFAULT_DATA_DIR, DEFAULT_URL, normalizeUrl, resolveSettings } from '../../../src/cli/settings.js';

const files = (entries: Record<string, string>) => (path: string) => entries[path];

describe('settings', () => {
  describe('resolveSettings', () => {
    it('defaults to the local collector and its data folder', () => {
      const settings = resolveSettings({}, {}, files({}));
      expect(settings.url).toBe(DEFAULT_URL);
      expect(settings.dataDir).toBe(DEFAULT_DATA_DIR);
    });

    it('takes the URL from --url, else XRAY_URL, else XRAY_ENDPOINT', () => {
      const env = { XRAY_URL: 'http://from-url:1', XRAY_ENDPOINT: 'http://from-endpoint:2' };
      expect(resolveSettings({ url: 'http://flag:3/' }, env, files({})).url).toBe('http://flag:3');
      expect(resolveSettings({}, env, files({})).url).toBe('http://from-url:1');
      expect(resolveSettings({}, { XRAY_ENDPOINT: 'http://from-endpoint:2/v1/traces' }, files({})).url).toBe('http://from-endpoint:2');
    });

    it('takes secrets from the flag, else the environment, else the data folder, and says which', () => {
      const keyFile = join('/data', 'default-app.key');
      const tokenFile = join('/data', 'admin.token');
      const read = files({ [keyFile]: 'xr_file', [tokenFile]: 'xradm_file' });
      const env = { XRAY_DATA_DIR: '/data', XRAY_API_KEY: 'xr_env' };
      expect(resolveSettings({ 'api-key': 'xr_flag' }, env, read).apiKey()).toEqual({ value: 'xr_flag', source: '--api-key' });
      expect(resolveSettings({}, env, read).apiKey()).toEqual({ value: 'xr_env', source: 'XRAY_API_KEY' });
      expect(resolveSettings({}, { XRAY_DATA_DIR: '/data' }, read).apiKey()).toEqual({ value: 'xr_file', source: keyFile });
      expect(resolveSettings({}, env, read).adminToken()).toEqual({ value: 'xradm_file', source: tokenFile });
      expect(resolveSettings({ 'data-dir': '/other' }, env, read).adminToken).toThrow(CliError);
    });

    it('reads no file until a command needs the secret', () => {
      const read = () => {
        throw new Error('read too early');
      };
      const settings = resolveSettings({}, {}, read);
      expect(() => settings.apiKey()).toThrow('read too early');
    });

    it('explains how to provide a missing secret', () => {
      const settings = resolveSettings({}, { XRAY_DATA_DIR: '/data' }, files({}));
      expect(() => settings.adminToken()).toThrow(/^No admin token: pass --admin-token, set XRAY_ADMIN_TOKEN, or let the CLI read \/data\/admin\.token\.$/);
    });
  });

  describe('normalizeUrl', () => {
    it('rejects what is not an http(s) URL as a usage error', () => {
      expect(() => normalizeUrl('localhost:4318')).toThrow(UsageError);
      expect(() => normalizeUrl('ftp://h')).toThrow(UsageError);
      expect(normalizeUrl('https://xray.example.com/')).toBe('https://xray.example.com');
    });
  });
});
