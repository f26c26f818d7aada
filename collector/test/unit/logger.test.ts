import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'trace', destination }) };
}

describe('logger', () => {
  describe('createLogger', () => {
    it('redacts credential headers wherever a request is logged', () => {
      const { lines, logger } = capture();
      const headers = {
        authorization: 'Bearer xr_secret_bearer_0001',
        'x-api-key': 'xr_secret_header_0002',
        'x-xray-signature': 't=1,v1=deadbeef',
        cookie: 'session=abc',
        'content-type': 'application/json',
      };
      logger.info({ req: { method: 'GET', url: '/x', headers } }, 'incoming');
      logger.debug({ request: { headers } }, 'again');
      logger.warn({ headers }, 'bare');
      const text = lines.join('');
      for (const secret of Object.values(headers).filter((value) => value !== 'application/json')) expect(text).not.toContain(secret);
      expect(text).toContain('application/json');
      // `req` keeps no headers at all (as Fastify's serializer); the other two places keep them, redacted.
      expect(text.match(/\[redacted\]/g)?.length).toBe(8);
    });

    it('masks a whole key or admin token in a logged request URL, keeping the key\'s display prefix', () => {
      const { lines, logger } = capture();
      logger.info({ req: { method: 'DELETE', url: '/api/v1/admin/apps/a/keys/xr_AbCdEfGh0123456789abcdef?t=xradm_secretsecret' } }, 'incoming');
      const text = lines.join('');
      expect(text).toContain('/api/v1/admin/apps/a/keys/xr_AbCdEfGh…?t=xradm_…');
      expect(text).not.toMatch(/0123456789abcdef|secretsecret/);
    });

    it('redacts fields named like secrets at the top level and one level down', () => {
      const { lines, logger } = capture();
      logger.info({ apiKey: 'xr_top_0003', app: { apiKey: 'xr_nested_0004', adminToken: 'xradm_0005', name: 'shop' } }, 'created');
      const text = lines.join('');
      expect(text).not.toMatch(/xr_top_0003|xr_nested_0004|xradm_0005/);
      expect(text).toContain('shop');
    });
  });
});
