/**
 * The decoded form of an OTLP ExportTraceServiceRequest, shared by the
 * protobuf and JSON decoders. Everything downstream (the span -> row mapping)
 * sees only this shape, never the wire format.
 */

/** An OTLP AnyValue: kvlist becomes an object, bytes become a base64 string. */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };

export type Attributes = Record<string, AttrValue>;

export interface DecodedEvent {
  name: string;
  timeUnixNano: bigint;
  attributes: Attributes;
}

export interface DecodedSpan {
  /** 32 lowercase hex characters, never all zero. */
  traceId: string;
  /** 16 lowercase hex characters, never all zero. */
  spanId: string;
  /** 16 lowercase hex characters, or '' for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind number (0 unspecified .. 5 consumer). */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  events: DecodedEvent[];
  /** OTLP status: code 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string };
  /** The resource's attributes (the same object for every span of one resource). */
  resource: Attributes;
  scope: { name: string; version: string };
}

export interface DecodeResult {
  spans: DecodedSpan[];
  /** Spans that were well-formed on the wire but invalid (bad ids, bad times); not stored. */
  rejectedSpans: number;
  /** Human-readable reasons for the rejections, at most a few, for `partial_success.error_message`. */
  rejectionMessages: string[];
}
