import { describe, expect, it } from 'vitest';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { encodeExportResponse, encodeStatus } from '../../../src/otlp/index.js';
import { ExportTraceServiceResponse, RpcStatus } from '../../../src/otlp/proto-schema.js';

function decodeResponse(body: Buffer) {
  return ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(body), { longs: Number });
}

describe('otlp/encode-response', () => {
  describe('encodeExportResponse', () => {
    it('leaves partial_success unset on full success (protobuf)', () => {
      for (const partial of [undefined, { rejectedSpans: 0, errorMessage: '' }]) {
        const body = encodeExportResponse('protobuf', partial);

        expect(Buffer.isBuffer(body)).toBe(true);
        expect(body).toHaveLength(0);
        expect(decodeResponse(body)).toEqual({});
      }
    });

    it('encodes partial_success with the rejected count and message (protobuf)', () => {
      const body = encodeExportResponse('protobuf', { rejectedSpans: 3, errorMessage: 'traceId is all zeros' });

      expect(decodeResponse(body)).toEqual({
        partialSuccess: { rejectedSpans: 3, errorMessage: 'traceId is all zeros' },
      });
      // The official exporter's own reader sees the same thing.
      expect(ProtobufTraceSerializer.deserializeResponse(body)).toEqual({
        partialSuccess: { rejectedSpans: 3, errorMessage: 'traceId is all zeros' },
      });
    });

    it('encodes a warning with zero rejected spans (protobuf)', () => {
      const body = encodeExportResponse('protobuf', { rejectedSpans: 0, errorMessage: 'attribute truncated' });

      expect(decodeResponse(body)).toEqual({ partialSuccess: { errorMessage: 'attribute truncated' } });
    });

    it('leaves partialSuccess out on full success (JSON)', () => {
      expect(JSON.parse(encodeExportResponse('json'))).toEqual({});
      expect(JSON.parse(encodeExportResponse('json', { rejectedSpans: 0, errorMessage: '' }))).toEqual({});
    });

    it('encodes partialSuccess with rejectedSpans as an int64 decimal string (JSON)', () => {
      const body = encodeExportResponse('json', { rejectedSpans: 2, errorMessage: 'bad ids' });

      expect(typeof body).toBe('string');
      expect(JSON.parse(body)).toEqual({ partialSuccess: { rejectedSpans: '2', errorMessage: 'bad ids' } });
      expect(JsonTraceSerializer.deserializeResponse(new TextEncoder().encode(body))).toHaveProperty(
        'partialSuccess.errorMessage',
        'bad ids',
      );
    });
  });

  describe('encodeStatus', () => {
    it('encodes a google.rpc.Status (protobuf)', () => {
      const body = encodeStatus('protobuf', { code: 3, message: 'invalid protobuf' });

      expect(Buffer.isBuffer(body)).toBe(true);
      expect(RpcStatus.toObject(RpcStatus.decode(body))).toEqual({ code: 3, message: 'invalid protobuf' });
    });

    it('encodes a google.rpc.Status (JSON)', () => {
      expect(JSON.parse(encodeStatus('json', { code: 8, message: 'too large' }))).toEqual({ code: 8, message: 'too large' });
    });
  });
});
