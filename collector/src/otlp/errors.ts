/**
 * The errors the OTLP layer throws for a whole request. Each one maps to one
 * OTLP/HTTP answer (the mapping to status codes lives in the collector's error
 * registry, not here): bad bytes -> 400, too large -> 413, unknown
 * Content-Encoding -> 415. A single bad span is never thrown; it is counted in
 * `DecodeResult.rejectedSpans` instead (OTLP partial success).
 */
import { XRAY_MAX_EVENTS_PER_REQUEST } from '@xray/sdk/semconv';

/** The body could not be decoded: corrupt gzip, invalid protobuf, invalid JSON or wrong JSON types. */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The most span events one request may carry, over all its spans (the SDK's
 * `XRAY_MAX_EVENTS_PER_REQUEST`, which its requests are split under). An
 * event costs a sender two bytes of protobuf (or JSON) and a decoder ~140
 * bytes of memory, and a span holds its events until it ends: without a
 * limit, 16 MiB of empty events (16 KB of gzip) made a decode worker hold
 * over 1 GB and die. OpenTelemetry's SDKs keep 128 events a span by
 * default, so a batch of 512 spans stays below this; X-Ray reads only a
 * span's last `exception`.
 */
export const MAX_EVENTS_PER_REQUEST = XRAY_MAX_EVENTS_PER_REQUEST;

/** The error for a request past MAX_EVENTS_PER_REQUEST (answer 400). */
export function tooManyEvents(): OtlpDecodeError {
  return new OtlpDecodeError(`the request carries more than ${MAX_EVENTS_PER_REQUEST} span events; send fewer events a span, or fewer spans a request`);
}

/** The body, after decompression, is larger than the configured limit. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';

  constructor(readonly maxBytes: number) {
    super(`request body is larger than ${maxBytes} bytes after decompression`);
  }
}

/** The request's Content-Encoding is not one this collector can decompress. */
export class UnsupportedEncodingError extends Error {
  override readonly name = 'UnsupportedEncodingError';

  constructor(readonly encoding: string) {
    super(`unsupported Content-Encoding '${encoding}' (supported: gzip, deflate, identity)`);
  }
}
