/**
 * Feeds an OTLP/gRPC Export call through the collector's own `POST /v1/traces`
 * route (Fastify's inject: in-process, no socket), so a gRPC request meets
 * exactly what an OTLP/HTTP protobuf request meets: key and scope checks,
 * signature, rate limits, overload refusal, decoding, per-span validation,
 * partial success, the insert and its acknowledgement. There is one ingest
 * path and two transports.
 *
 * The reply maps back: 200 carries the ExportTraceServiceResponse bytes; any
 * other status becomes an XRayError with the registry code the route put in
 * `x-xray-error-code` and the message of its google.rpc.Status body.
 */
import type { FastifyInstance } from 'fastify';
import { ERRORS, XRayError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { RpcStatus } from '../otlp/proto-schema.js';
import type { GrpcIngest } from './server.js';

/** Metadata forwarded to the route as headers (credentials and the request signature). */
const FORWARDED = ['x-xray-signature'] as const;

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERRORS, code);
}

function statusMessage(payload: Buffer): string | undefined {
  try {
    const decoded = RpcStatus.toObject(RpcStatus.decode(payload)) as { message?: string };
    return decoded.message;
  } catch {
    return undefined;
  }
}

/**
 * The gRPC ingest function over an app's `/v1/traces` route.
 *
 * @example
 * const grpc = await startGrpcServer({ ..., ingest: ingestThroughTracesRoute(app) });
 */
export function ingestThroughTracesRoute(app: FastifyInstance): GrpcIngest {
  return async ({ credential, body, headers }) => {
    const forwarded: Record<string, string> = { 'content-type': 'application/x-protobuf' };
    if (credential) forwarded['x-api-key'] = credential;
    for (const name of FORWARDED) {
      const value = headers?.[name];
      if (value) forwarded[name] = value;
    }
    const response = await app.inject({ method: 'POST', url: '/v1/traces', headers: forwarded, payload: body });
    if (response.statusCode === 200) return response.rawPayload;
    const code = response.headers['x-xray-error-code'];
    const registryCode: ErrorCode = isErrorCode(code) ? code : 'XRAY_ERR_INTERNAL';
    // The route's message is "<code>: <message>"; keep only the message.
    const message = statusMessage(response.rawPayload)?.replace(/^XRAY_ERR_[A-Z_]+: /, '');
    throw new XRayError(registryCode, message);
  };
}
