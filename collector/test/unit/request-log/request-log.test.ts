import { Writable } from 'node:stream';
import Fastify, { LogController } from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { addRequestLog, requestLogLevel } from '../../../src/request-log/index.js';

/** A Fastify app logging into memory, with one fast, one slow and one failing route. */
async function appWithLog(level: string, options: Parameters<typeof addRequestLog>[1]) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  const app = Fastify({ loggerInstance: pino({ level }, sink), logController: new LogController({ disableRequestLogging: true }) });
  addRequestLog(app, options);
  app.get('/fast', async () => ({ ok: true }));
  app.get('/slow', async () => {
    await new Promise((resolve) => setTimeout(resolve, 400));
    return { ok: true };
  });
  app.get('/boom', async (_request, reply) => reply.code(503).send({ error: 'down' }));
  await app.ready();
  return { app, lines };
}

describe('request-log', () => {
  describe('requestLogLevel', () => {
    it('logs 5xx and slow requests at warn, everything else at debug unless every request is asked for', () => {
      expect(requestLogLevel(200, 5, {})).toBe('debug');
      expect(requestLogLevel(404, 5, {})).toBe('debug');
      expect(requestLogLevel(200, 5, { logEveryRequest: true })).toBe('info');
      expect(requestLogLevel(503, 5, {})).toBe('warn');
      expect(requestLogLevel(500, 5, { logEveryRequest: true })).toBe('warn');
      expect(requestLogLevel(200, 1000, {})).toBe('warn');
      expect(requestLogLevel(200, 99, { slowRequestMillis: 100 })).toBe('debug');
      expect(requestLogLevel(200, 100, { slowRequestMillis: 100 })).toBe('warn');
    });
  });

  describe('addRequestLog', () => {
    it('at the default info level prints only failed and slow requests, one line each', async () => {
      // Far apart (a trivial route against 400 ms), so a loaded machine does not make a fast request slow.
      const { app, lines } = await appWithLog('info', { slowRequestMillis: 200 });
      for (let i = 0; i < 5; i++) await app.inject('/fast');
      await app.inject('/slow');
      await app.inject('/boom');
      await app.inject('/fast?secret=not-logged');
      expect(lines.map((line) => [line.msg, line.url, line.statusCode])).toEqual([
        ['slow request', '/slow', 200],
        ['request failed', '/boom', 503],
      ]);
      expect(lines[0].level).toBe(40);
      expect(lines[0].responseTimeMillis).toBeGreaterThanOrEqual(200);
      await app.close();
    });

    it('at debug prints every request once, without its query string', async () => {
      const { app, lines } = await appWithLog('debug', {});
      await app.inject('/fast?secret=not-logged');
      await app.inject('/nowhere');
      expect(lines.map((line) => [line.level, line.msg, line.method, line.url, line.statusCode])).toEqual([
        [20, 'request', 'GET', '/fast', 200],
        [20, 'request', 'GET', '/nowhere', 404],
      ]);
      expect(JSON.stringify(lines)).not.toContain('not-logged');
      await app.close();
    });

    it('with logEveryRequest prints every request at info', async () => {
      const { app, lines } = await appWithLog('info', { logEveryRequest: true });
      await app.inject('/fast');
      await app.inject('/fast');
      expect(lines.map((line) => [line.level, line.msg])).toEqual([
        [30, 'request'],
        [30, 'request'],
      ]);
      await app.close();
    });
  });
});
