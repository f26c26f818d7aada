import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { ERRORS, XRayError } from '../../../src/errors.js';
import type { ErrorCode } from '../../../src/errors.js';
import { credentialFromMetadata, grpcStatusFor } from '../../../src/grpc/server.js';

describe('grpc/server', () => {
  describe('credentialFromMetadata', () => {
    const metadata = (entries: Record<string, string>) => {
      const m = new Metadata();
      for (const [k, v] of Object.entries(entries)) m.set(k, v);
      return m;
    };

    it('reads a bearer token or x-api-key, as the HTTP route does', () => {
      expect(credentialFromMetadata(metadata({ authorization: 'Bearer xr_abc' }))).toBe('xr_abc');
      expect(credentialFromMetadata(metadata({ 'x-api-key': ' xr_def ' }))).toBe('xr_def');
      expect(credentialFromMetadata(metadata({ authorization: 'Basic Zm9vOmJhcg==' }))).toBeUndefined();
      expect(credentialFromMetadata(metadata({}))).toBeUndefined();
    });
  });

  describe('grpcStatusFor', () => {
    it('makes retryable registry errors UNAVAILABLE and bad data INVALID_ARGUMENT (OTLP/gRPC retry rules)', () => {
      for (const code of Object.keys(ERRORS) as ErrorCode[]) {
        const status = grpcStatusFor(new XRayError(code));
        const { status: http, retryable } = ERRORS[code];
        if (http === 429 || http === 503) expect(status, code).toBe(GrpcStatus.UNAVAILABLE);
        else if (http === 401) expect(status, code).toBe(GrpcStatus.UNAUTHENTICATED);
        else if (http === 403) expect(status, code).toBe(GrpcStatus.PERMISSION_DENIED);
        else if ([400, 413, 415].includes(http)) expect(status, code).toBe(GrpcStatus.INVALID_ARGUMENT);
        else expect(status, code).toBe(retryable ? GrpcStatus.UNAVAILABLE : GrpcStatus.INTERNAL);
      }
    });
  });
});
