import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseSignatureHeader, signBody, verifySignature } from '../../../src/auth/signature.js';
import type { VerifySignatureInput } from '../../../src/auth/signature.js';

const SECRET = 'xrs_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG';
const OTHER = 'xrs_ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvutsrqponmlkjih';
const NOW = 1_767_225_600;
const BODY = Buffer.from('{"resourceSpans":[]}');

function input(overrides: Partial<VerifySignatureInput>): VerifySignatureInput {
  return { header: undefined, body: BODY, secrets: [SECRET], required: true, nowSeconds: NOW, windowSeconds: 300, ...overrides };
}

const signed = (t: number, body: Uint8Array = BODY, secret = SECRET) => `t=${t},v1=${signBody(secret, t, body)}`;

describe('auth/signature', () => {
  describe('signBody', () => {
    it('is HMAC-SHA256 keyed with the secret string over "<t>." and the body, in lowercase hex', () => {
      const expected = createHmac('sha256', Buffer.from(SECRET, 'utf8')).update(Buffer.concat([Buffer.from(`${NOW}.`), BODY])).digest('hex');
      expect(signBody(SECRET, NOW, BODY)).toBe(expected);
      expect(signBody(SECRET, NOW, BODY)).toMatch(/^[0-9a-f]{64}$/);
    });
  });

  describe('parseSignatureHeader', () => {
    it('reads the timestamp and every v1, in any order and with spaces, skipping unknown entries', () => {
      const a = 'a'.repeat(64);
      const b = 'B'.repeat(64);
      expect(parseSignatureHeader(`v1=${a}, t=${NOW} ,v2=whatever, v1=${b}`)).toEqual({
        timestamp: NOW,
        signatures: [Buffer.from(a, 'hex'), Buffer.from(b, 'hex')],
      });
    });

    it.each([
      ['empty', ''],
      ['no timestamp', `v1=${'a'.repeat(64)}`],
      ['no signature', `t=${NOW}`],
      ['two timestamps', `t=${NOW},t=${NOW + 1},v1=${'a'.repeat(64)}`],
      ['a negative timestamp', `t=-5,v1=${'a'.repeat(64)}`],
      ['a fractional timestamp', `t=${NOW}.5,v1=${'a'.repeat(64)}`],
      ['a short digest', `t=${NOW},v1=${'a'.repeat(63)}`],
      ['a non-hex digest', `t=${NOW},v1=${'g'.repeat(64)}`],
      ['a part without =', `t=${NOW},v1`],
      ['nine digests', `t=${NOW},${Array.from({ length: 9 }, () => `v1=${'a'.repeat(64)}`).join(',')}`],
    ])('refuses %s', (_name, header) => {
      expect(parseSignatureHeader(header)).toBeUndefined();
    });
  });

  describe('verifySignature', () => {
    it('accepts a correct signature within the window, either way', () => {
      expect(verifySignature(input({ header: signed(NOW) }))).toEqual({ ok: true });
      expect(verifySignature(input({ header: signed(NOW - 300) }))).toEqual({ ok: true });
      expect(verifySignature(input({ header: signed(NOW + 300) }))).toEqual({ ok: true });
    });

    it('refuses an unsigned request when the app requires signatures, and lets it pass when not', () => {
      expect(verifySignature(input({}))).toMatchObject({ ok: false, code: 'XRAY_ERR_SIGNATURE_MISSING' });
      expect(verifySignature(input({ header: '  ' }))).toMatchObject({ ok: false, code: 'XRAY_ERR_SIGNATURE_MISSING' });
      expect(verifySignature(input({ required: false }))).toEqual({ ok: true });
    });

    it('refuses a timestamp outside the window, in the past and in the future, saying how far off it is', () => {
      expect(verifySignature(input({ header: signed(NOW - 301) }))).toEqual({
        ok: false,
        code: 'XRAY_ERR_SIGNATURE_STALE',
        message: "The signature's timestamp is 301 s old; the window is 300 s",
      });
      expect(verifySignature(input({ header: signed(NOW + 301) }))).toMatchObject({ code: 'XRAY_ERR_SIGNATURE_STALE', message: expect.stringContaining('in the future') });
    });

    it('refuses an altered body, a wrong secret and a malformed header as invalid', () => {
      const altered = Buffer.from('{"resourceSpans":[{}]}');
      expect(verifySignature(input({ header: signed(NOW), body: altered }))).toMatchObject({ ok: false, code: 'XRAY_ERR_SIGNATURE_INVALID' });
      expect(verifySignature(input({ header: signed(NOW, BODY, OTHER) }))).toMatchObject({ ok: false, code: 'XRAY_ERR_SIGNATURE_INVALID' });
      expect(verifySignature(input({ header: 'hmac=abc' }))).toMatchObject({ ok: false, code: 'XRAY_ERR_SIGNATURE_INVALID' });
      // The timestamp is part of what is signed: moving it breaks the signature.
      const moved = `t=${NOW + 1},v1=${signBody(SECRET, NOW, BODY)}`;
      expect(verifySignature(input({ header: moved }))).toMatchObject({ ok: false, code: 'XRAY_ERR_SIGNATURE_INVALID' });
    });

    it('checks a signature even when the app does not require one', () => {
      expect(verifySignature(input({ required: false, header: signed(NOW, BODY, OTHER) }))).toMatchObject({ code: 'XRAY_ERR_SIGNATURE_INVALID' });
      expect(verifySignature(input({ required: false, header: signed(NOW), secrets: [] }))).toMatchObject({
        code: 'XRAY_ERR_SIGNATURE_INVALID',
        message: expect.stringContaining('no signing secret'),
      });
    });

    it('supports rotation: any v1 matching any active secret is enough', () => {
      const both = `t=${NOW},v1=${signBody(OTHER, NOW, BODY)},v1=${signBody(SECRET, NOW, BODY)}`;
      expect(verifySignature(input({ header: both }))).toEqual({ ok: true });
      expect(verifySignature(input({ header: signed(NOW, BODY, OTHER), secrets: [SECRET, OTHER] }))).toEqual({ ok: true });
    });

    it('accepts the header split over two header lines (as Node joins repeated headers)', () => {
      expect(verifySignature(input({ header: [`t=${NOW}`, `v1=${signBody(SECRET, NOW, BODY)}`] }))).toEqual({ ok: true });
    });

    it('signs the bytes as sent: a signature over the uncompressed body does not fit the gzipped one', async () => {
      const { gzipSync } = await import('node:zlib');
      const gzipped = gzipSync(BODY);
      expect(verifySignature(input({ header: signed(NOW, BODY), body: gzipped }))).toMatchObject({ code: 'XRAY_ERR_SIGNATURE_INVALID' });
      expect(verifySignature(input({ header: signed(NOW, gzipped), body: gzipped }))).toEqual({ ok: true });
    });
  });
});
