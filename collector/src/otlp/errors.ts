/**
 * The errors the OTLP layer throws for a whole request. Each one maps to one
 * OTLP/HTTP answer (the mapping to status codes lives in the collector's error
 * registry, not here): bad bytes -> 400, too large -> 413, unknown
 * Content-Encoding -> 415. A single bad span is never thrown; it is counted in
 * `DecodeResult.rejectedSpans` instead (OTLP partial success).
 */
import { XRAY_MAX_ATTRIBUTE_VALUES_PER_REQUEST, XRAY_MAX_EVENTS_PER_REQUEST } from '@xray/sdk/semconv';

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

/**
 * The most attribute values one request may carry (the SDK's
 * `XRAY_MAX_ATTRIBUTE_VALUES_PER_REQUEST`): each attribute of a resource,
 * span or event, each entry of a key-value list and each array item, at any
 * depth, counts one. A value costs a sender as little as two bytes of
 * protobuf and a decoder 40 to 140 bytes and a hash-table slot: without a
 * limit, 16 MiB of attributes with distinct one-to-four-character keys (3.3
 * million) cost the protobuf decoder alone 2.8 s of CPU (bench/README.md). OpenTelemetry's SDKs
 * keep 128 attributes a span by default, so a batch of 512 spans carries at
 * most 65,536 of them; the limit leaves room for events' attributes and for
 * arrays (a 1,536-number embedding on each of 512 spans is 786,944).
 */
export const MAX_ATTRIBUTE_VALUES_PER_REQUEST = XRAY_MAX_ATTRIBUTE_VALUES_PER_REQUEST;

/** The error for a request past MAX_ATTRIBUTE_VALUES_PER_REQUEST (answer 400). */
export function tooManyAttributeValues(): OtlpDecodeError {
  return new OtlpDecodeError(
    `the request carries more than ${MAX_ATTRIBUTE_VALUES_PER_REQUEST} attribute values (attributes, key-value list entries and array items, nested ones included); send fewer or smaller attributes a span, or fewer spans a request`,
  );
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
