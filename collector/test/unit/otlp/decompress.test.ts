import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BodyTooLargeError,
  decodeProtobufTraces,
  decompressBody,
  OtlpDecodeError,
  UnsupportedEncodingError,
} from '../../../src/otlp/index.js';
import { recordSpans, toProtobuf } from './fixtures.js';

// Watch the real gunzip streams decompressBody creates, to see how much a
// gzip bomb actually inflated before it was stopped.
const gunzips = vi.hoisted(() => [] as Array<{ produced: number; destroyed: () => boolean }>);
vi.mock('node:zlib', async (importOriginal) => {
  const zlib = await importOriginal<typeof import('node:zlib')>();
  return {
    ...zlib,
    createGunzip: (...args: Parameters<typeof zlib.createGunzip>) => {
      const stream = zlib.createGunzip(...args);
      const watch = { produced: 0, destroyed: () => stream.destroyed };
      stream.on('data', (chunk: Buffer) => {
        watch.produced += chunk.length;
      });
      gunzips.push(watch);
      return stream;
    },
  };
});

const MiB = 1024 * 1024;

describe('otlp/decompress', () => {
  describe('decompressBody', () => {
    afterEach(() => {
      gunzips.length = 0;
    });

    it.each([undefined, '', 'identity', ' Identity '])('returns the body as it is for Content-Encoding %j', async (encoding) => {
      const body = Buffer.from('plain');

      await expect(decompressBody(body, encoding, 1_000)).resolves.toBe(body);
    });

    it('rejects an unencoded body larger than the limit', async () => {
      await expect(decompressBody(Buffer.alloc(11), undefined, 10)).rejects.toBeInstanceOf(BodyTooLargeError);
    });

    it.each(['gzip', 'GZIP', ' gzip ', 'x-gzip', 'identity, gzip'])('inflates a gzip request for Content-Encoding %j', async (encoding) => {
      const request = toProtobuf(recordSpans());

      const body = await decompressBody(gzipSync(request), encoding, MiB);

      expect(body.equals(request)).toBe(true);
      expect(decodeProtobufTraces(body).spans).toHaveLength(4);
    });

    it('inflates zlib-wrapped and raw deflate', async () => {
      const request = Buffer.from('{"resourceSpans":[]}');

      await expect(decompressBody(deflateSync(request), 'deflate', MiB)).resolves.toEqual(request);
      await expect(decompressBody(deflateRawSync(request), 'deflate', MiB)).resolves.toEqual(request);
    });

    it('accepts a body of exactly the limit', async () => {
      const request = Buffer.alloc(4_096, 7);

      await expect(decompressBody(gzipSync(request), 'gzip', 4_096)).resolves.toHaveLength(4_096);
      await expect(decompressBody(gzipSync(request), 'gzip', 4_095)).rejects.toBeInstanceOf(BodyTooLargeError);
    });

    it('stops a gzip bomb early with BodyTooLargeError', async () => {
      const bomb = gzipSync(Buffer.alloc(50 * MiB));
      expect(bomb.length).toBeLessThan(100 * 1024);

      const started = performance.now();
      const error = await decompressBody(bomb, 'gzip', MiB).catch((e: unknown) => e);
      const elapsedMillis = performance.now() - started;

      expect(error).toBeInstanceOf(BodyTooLargeError);
      expect((error as BodyTooLargeError).maxBytes).toBe(MiB);
      expect(elapsedMillis).toBeLessThan(1_000);
      // Inflation stopped just past the limit (zlib emits 16 KiB chunks), far from 50 MiB.
      expect(gunzips).toHaveLength(1);
      expect(gunzips[0].destroyed()).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(gunzips[0].produced).toBeLessThan(MiB + 256 * 1024);
    });

    it.each([
      ['truncated', (gz: Buffer) => gz.subarray(0, gz.length - 10)],
      ['corrupted in the middle', (gz: Buffer) => Buffer.concat([gz.subarray(0, 12), Buffer.alloc(16, 0xff), gz.subarray(28)])],
      ['not gzip at all', () => Buffer.from('this is not gzip')],
      ['empty', () => Buffer.alloc(0)],
    ])('rejects a gzip body that is %s with OtlpDecodeError', async (_case, corrupt) => {
      const gz = gzipSync(toProtobuf(recordSpans()));

      await expect(decompressBody(corrupt(gz), 'gzip', MiB)).rejects.toBeInstanceOf(OtlpDecodeError);
    });

    it.each(['br', 'zstd', 'compress', 'gzip, br'])('rejects Content-Encoding %j with UnsupportedEncodingError', async (encoding) => {
      await expect(decompressBody(Buffer.from('x'), encoding, MiB)).rejects.toBeInstanceOf(UnsupportedEncodingError);
    });
  });
});
