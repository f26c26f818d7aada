/**
 * The per-span checks both decoders apply after the wire format has been read.
 * A span that fails them is well-formed OTLP but cannot be stored (no usable
 * identity, or a negative duration); it is rejected on its own and the rest of
 * the request is kept, which is what OTLP partial success is for.
 */

/** The parts of a span the checks look at; ids are hex strings as received (lowercased). */
export interface SpanIdentity {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
}

const HEX = /^[0-9a-f]*$/;
const ALL_ZEROS = /^0+$/;

function idProblem(field: string, hex: string, bytes: number): string | undefined {
  if (!HEX.test(hex)) return `${field} is not a hex string`;
  if (hex.length !== bytes * 2) return `${field} must be ${bytes} bytes, got ${hex.length / 2}`;
  if (ALL_ZEROS.test(hex)) return `${field} is all zeros`;
  return undefined;
}

/**
 * Returns why a span must be rejected, or `undefined` when it is valid.
 * The rules come from trace.proto: trace_id is 16 non-zero bytes, span_id 8
 * non-zero bytes, parent_span_id empty or 8 bytes, end_time >= start_time.
 * A missing start time is rejected too: a span at 1970 is always a sender bug.
 * A span that ends before it starts is rejected rather than clamped, because
 * clamping would store a duration nobody measured.
 *
 * @example
 * findSpanProblem({ traceId: '00'.repeat(16), spanId: 'ab'.repeat(8), parentSpanId: '',
 *   startTimeUnixNano: 1n, endTimeUnixNano: 2n }); // 'traceId is all zeros'
 */
export function findSpanProblem(span: SpanIdentity): string | undefined {
  const idIssue = idProblem('traceId', span.traceId, 16) ?? idProblem('spanId', span.spanId, 8);
  if (idIssue) return idIssue;
  if (span.parentSpanId !== '') {
    if (!HEX.test(span.parentSpanId)) return 'parentSpanId is not a hex string';
    if (span.parentSpanId.length !== 16) {
      return `parentSpanId must be empty or 8 bytes, got ${span.parentSpanId.length / 2}`;
    }
  }
  if (span.startTimeUnixNano === 0n) return 'startTimeUnixNano is missing';
  if (span.endTimeUnixNano < span.startTimeUnixNano) return 'endTimeUnixNano is before startTimeUnixNano';
  return undefined;
}

/**
 * Some senders write eight zero bytes instead of leaving a root span's parent
 * empty; both mean "no parent", so both become ''.
 */
export function normalizeParentSpanId(parentSpanId: string): string {
  return ALL_ZEROS.test(parentSpanId) ? '' : parentSpanId;
}
