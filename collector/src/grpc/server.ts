/**
 * OTLP/gRPC: `opentelemetry.proto.collector.trace.v1.TraceService/Export` on
 * its own port (4317 by default), for the OpenTelemetry SDKs outside
 * JavaScript that speak gRPC by default.
 *
 * The service is registered with raw-bytes (de)serializers: grpc-js frames
 * the messages and undoes `grpc-encoding: gzip`, and the request bytes go to
 * the same `ingest` function as an OTLP/HTTP protobuf body, so auth, limits,
 * decoding, partial success and storage are one code path for both
 * transports. Only the status mapping is gRPC's own (OTLP/gRPC spec,
 * "Failures"): retryable failures are UNAVAILABLE, bad data INVALID_ARGUMENT.
 */
import { Server, ServerCredentials, status as GrpcStatus } from '@grpc/grpc-js';
import type { Metadata, ServerUnaryCall, ServiceDefinition, sendUnaryData } from '@grpc/grpc-js';
import { XRayError } from '../errors.js';

export const TRACE_SERVICE_EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** What the ingest path answers for one request: the encoded ExportTraceServiceResponse. */
export type GrpcIngest = (request: {
  credential: string | undefined;
  body: Buffer;
  /** String metadata of the call, lowercase names (e.g. `x-xray-signature`). */
  headers: Record<string, string | undefined>;
}) => Promise<Buffer>;

export interface GrpcServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Largest accepted message, after decompression (XRAY_MAX_BODY_BYTES). */
  maxMessageBytes: number;
  ingest: GrpcIngest;
  /** Called with anything unexpected (logged by the caller). */
  onInternalError?: (error: unknown) => void;
}

export interface GrpcServer {
  /** host:port actually bound. */
  readonly address: string;
  close(): Promise<void>;
}

const identity = (buffer: Buffer) => buffer;

const traceService: ServiceDefinition = {
  Export: {
    path: TRACE_SERVICE_EXPORT,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

/** The credential in gRPC metadata: `x-api-key`, or `authorization: Bearer …`, as on HTTP. */
export function credentialFromMetadata(metadata: Metadata): string | undefined {
  const authorization = metadata.get('authorization')[0];
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const apiKey = metadata.get('x-api-key')[0];
  return typeof apiKey === 'string' && apiKey.trim() !== '' ? apiKey.trim() : undefined;
}

/** The gRPC status for a registry error (OTLP/gRPC: only UNAVAILABLE-like codes are retried). */
export function grpcStatusFor(error: XRayError): GrpcStatus {
  switch (error.statusCode) {
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 413:
    case 400:
    case 415:
      return GrpcStatus.INVALID_ARGUMENT;
    case 429:
    case 503:
      return GrpcStatus.UNAVAILABLE;
    default:
      return error.retryable ? GrpcStatus.UNAVAILABLE : GrpcStatus.INTERNAL;
  }
}

/**
 * Starts the OTLP/gRPC server.
 *
 * @example
 * const grpc = await startGrpcServer({ host: '127.0.0.1', port: 4317, maxMessageBytes: 16 << 20, ingest });
 * await grpc.close();
 */
export async function startGrpcServer(options: GrpcServerOptions): Promise<GrpcServer> {
  const server = new Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_send_message_length': 1024 * 1024,
  });
  server.addService(traceService, {
    Export(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) {
      const credential = credentialFromMetadata(call.metadata);
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(call.metadata.getMap())) {
        if (typeof value === 'string') headers[name] = value;
      }
      options.ingest({ credential, body: call.request, headers }).then(
        (response) => callback(null, response),
        (error: unknown) => {
          const failure = error instanceof XRayError ? error : new XRayError('XRAY_ERR_INTERNAL', undefined, { cause: error });
          if (!(error instanceof XRayError)) options.onInternalError?.(error);
          callback({ code: grpcStatusFor(failure), details: `${failure.code}: ${failure.message}` });
        },
      );
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${options.host}:${options.port}`, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });
  return {
    address: `${options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // Finish calls in flight (their rows are being stored), then stop.
        server.tryShutdown(() => resolve());
      }),
  };
}
