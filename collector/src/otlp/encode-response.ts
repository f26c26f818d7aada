/**
 * The bodies of OTLP/HTTP replies. The specification requires the reply to
 * use the request's own Content-Type, so every encoder takes the format:
 * 'protobuf' -> bytes for application/x-protobuf, 'json' -> text for
 * application/json (proto3 JSON mapping, 64-bit ints as decimal strings).
 */
import { ExportTraceServiceResponse, RpcStatus } from './proto-schema.js';

export type OtlpFormat = 'protobuf' | 'json';

export interface PartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

export interface RpcStatusBody {
  /** A google.rpc.Code (3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE ...). */
  code: number;
  message: string;
}

/**
 * The 200 reply: an ExportTraceServiceResponse. `partial_success` is set only
 * when spans were rejected or there is a message to pass on; the spec requires
 * it to be left unset on full success.
 *
 * @example
 * encodeExportResponse('json', { rejectedSpans: 2, errorMessage: 'traceId is all zeros' });
 * // '{"partialSuccess":{"rejectedSpans":"2","errorMessage":"traceId is all zeros"}}'
 */
export function encodeExportResponse(format: 'protobuf', partial?: PartialSuccess): Buffer;
export function encodeExportResponse(format: 'json', partial?: PartialSuccess): string;
export function encodeExportResponse(format: OtlpFormat, partial?: PartialSuccess): Buffer | string;
export function encodeExportResponse(format: OtlpFormat, partial?: PartialSuccess): Buffer | string {
  const hasPartial = partial !== undefined && (partial.rejectedSpans > 0 || partial.errorMessage !== '');
  if (format === 'json') {
    if (!hasPartial) return '{}';
    // int64 is a decimal string in the proto3 JSON mapping.
    return JSON.stringify({
      partialSuccess: { rejectedSpans: String(partial.rejectedSpans), errorMessage: partial.errorMessage },
    });
  }
  const body = hasPartial
    ? { partialSuccess: { rejectedSpans: partial.rejectedSpans, errorMessage: partial.errorMessage } }
    : {};
  return toBuffer(ExportTraceServiceResponse.encode(ExportTraceServiceResponse.fromObject(body)).finish());
}

/**
 * The body of a 4xx/5xx reply: a google.rpc.Status. OTLP clients do not act
 * on `code`; the message is what a developer reads in the sender's log.
 *
 * @example
 * encodeStatus('json', { code: 3, message: 'invalid protobuf' }); // '{"code":3,"message":"invalid protobuf"}'
 */
export function encodeStatus(format: 'protobuf', status: RpcStatusBody): Buffer;
export function encodeStatus(format: 'json', status: RpcStatusBody): string;
export function encodeStatus(format: OtlpFormat, status: RpcStatusBody): Buffer | string;
export function encodeStatus(format: OtlpFormat, status: RpcStatusBody): Buffer | string {
  if (format === 'json') return JSON.stringify({ code: status.code, message: status.message });
  return toBuffer(RpcStatus.encode(RpcStatus.fromObject({ code: status.code, message: status.message })).finish());
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
