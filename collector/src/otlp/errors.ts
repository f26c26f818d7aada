/**
 * The errors the OTLP layer throws for a whole request. Each one maps to one
 * OTLP/HTTP answer (the mapping to status codes lives in the collector's error
 * registry, not here): bad bytes -> 400, too large -> 413, unknown
 * Content-Encoding -> 415. A single bad span is never thrown; it is counted in
 * `DecodeResult.rejectedSpans` instead (OTLP partial success).
 */

/** The body could not be decoded: corrupt gzip, invalid protobuf, invalid JSON or wrong JSON types. */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
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
