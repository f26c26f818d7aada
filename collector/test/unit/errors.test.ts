import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS, RETRY_AFTER_SECONDS, XRayError, toErrorBody } from '../../src/errors.js';
import type { ErrorCode } from '../../src/errors.js';

const ERRORS_MD = resolve(import.meta.dirname, '../../ERRORS.md');

interface DocumentedCode {
  status: number;
  retryable: string;
  when: string;
  action: string;
}

/** The rows of the code table in ERRORS.md: `| `CODE` | status | retryable | when | what to do |`. */
function documentedCodes(): Map<string, DocumentedCode> {
  const rows = new Map<string, DocumentedCode>();
  for (const line of readFileSync(ERRORS_MD, 'utf8').split('\n')) {
    const match = /^\|\s*`([A-Z_]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (!match) continue;
    const [status, retryable, when, action] = match[2].split('|').map((cell) => cell.trim());
    if (rows.has(match[1])) throw new Error(`ERRORS.md lists ${match[1]} twice`);
    rows.set(match[1], { status: Number(status), retryable, when: when ?? '', action: action ?? '' });
  }
  return rows;
}

const codes = Object.keys(ERRORS) as ErrorCode[];

describe('errors', () => {
  describe('ERRORS', () => {
    it.each(codes)('%s is named XRAY_ERR_<AREA>_<PROBLEM>', (code) => {
      expect(code).toMatch(/^XRAY_ERR_[A-Z_]+$/);
    });

    it.each(codes)('%s has a 4xx or 5xx status and a message', (code) => {
      expect(ERRORS[code].status).toBeGreaterThanOrEqual(400);
      expect(ERRORS[code].status).toBeLessThan(600);
      expect(ERRORS[code].message.length).toBeGreaterThan(0);
    });

    it.each(codes)('%s is retryable exactly when its status is 5xx or 429', (code) => {
      const { status, retryable }: { status: number; retryable: boolean } = ERRORS[code];
      expect(retryable).toBe(status >= 500 || status === 429);
    });

    it('follows the OTLP statuses for ingest errors', () => {
      expect(ERRORS.XRAY_ERR_OTLP_DECODE.status).toBe(400);
      expect(ERRORS.XRAY_ERR_OTLP_BODY_TOO_LARGE.status).toBe(413);
      expect(ERRORS.XRAY_ERR_OTLP_UNSUPPORTED_MEDIA_TYPE.status).toBe(415);
      expect(ERRORS.XRAY_ERR_OTLP_UNSUPPORTED_ENCODING.status).toBe(415);
      expect(ERRORS.XRAY_ERR_OVERLOADED.status).toBe(503);
    });
  });

  describe('ERRORS.md', () => {
    const documented = documentedCodes();

    it.each(codes)('documents %s with its HTTP status and retryability', (code) => {
      const row = documented.get(code);
      expect(row, `${code} is missing from collector/ERRORS.md`).toBeDefined();
      expect(row!.status).toBe(ERRORS[code].status);
      expect(row!.retryable).toBe(ERRORS[code].retryable ? 'yes' : 'no');
    });

    it.each(codes)('says when %s happens and what the client should do', (code) => {
      const row = documented.get(code);
      expect(row?.when.length ?? 0).toBeGreaterThan(20);
      expect(row?.action.length ?? 0).toBeGreaterThan(10);
    });

    it('lists no code that is not in the registry', () => {
      const stale = [...documented.keys()].filter((code) => !(code in ERRORS));
      expect(stale).toEqual([]);
    });
  });

  describe('XRayError', () => {
    it('carries the code, status and retryability of the registry, and its default message', () => {
      const error = new XRayError('XRAY_ERR_OVERLOADED');
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({
        name: 'XRayError',
        code: 'XRAY_ERR_OVERLOADED',
        statusCode: 503,
        retryable: true,
        message: ERRORS.XRAY_ERR_OVERLOADED.message,
      });
    });

    it('keeps a specific message, the cause and details', () => {
      const cause = new Error('socket hang up');
      const error = new XRayError('XRAY_ERR_VALIDATION', 'limit: too big', { cause, details: [{ path: '/limit' }] });
      expect(error.message).toBe('limit: too big');
      expect(error.cause).toBe(cause);
      expect(error.details).toEqual([{ path: '/limit' }]);
    });
  });

  describe('toErrorBody', () => {
    it('gives code, message and retryable, and details only when there are some', () => {
      expect(toErrorBody(new XRayError('XRAY_ERR_NOT_FOUND', 'No execution "x"'))).toEqual({
        error: { code: 'XRAY_ERR_NOT_FOUND', message: 'No execution "x"', retryable: false },
      });
      expect(toErrorBody(new XRayError('XRAY_ERR_VALIDATION', 'bad', { details: ['d'] }))).toEqual({
        error: { code: 'XRAY_ERR_VALIDATION', message: 'bad', retryable: false, details: ['d'] },
      });
    });

    it('never exposes the cause', () => {
      const body = toErrorBody(new XRayError('XRAY_ERR_INTERNAL', undefined, { cause: new Error('secret path /etc/x') }));
      expect(JSON.stringify(body)).not.toContain('secret');
    });
  });

  describe('RETRY_AFTER_SECONDS', () => {
    it('is a positive whole number of seconds', () => {
      expect(Number.isInteger(RETRY_AFTER_SECONDS)).toBe(true);
      expect(RETRY_AFTER_SECONDS).toBeGreaterThan(0);
    });
  });
});
