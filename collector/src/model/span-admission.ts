/**
 * What ClickHouse will store, checked span by span before any row reaches
 * the insert batcher, so that one sender's unstorable span is rejected on
 * its own (OTLP partial success) instead of failing a merged insert that
 * carries other apps' rows, and so that a 200 never covers a span that is
 * dropped a moment later:
 *
 * - times: `start_time` no older than the retention window (the TTL would
 *   drop it at the next merge) and `end_time` no further ahead than the
 *   allowed clock skew; both inside what the day partition (`toDate`, 1970 to
 *   2149) can hold, so a span dated 2200 is never filed under a wrapped-round
 *   day;
 * - text: every string well-formed UTF-16 (a lone surrogate, which only an
 *   OTLP/JSON `\ud800` escape can produce, has no UTF-8 form, and ClickHouse
 *   refuses the insert);
 * - the execution id (`xray.execution.id`) no longer than the query API's
 *   256-character id;
 * - days: one request's spans start on at most `MAX_DAYS_PER_REQUEST`
 *   distinct days. Every day is a partition, and every partition an insert
 *   touches becomes a new part: without a bound, one sender could make
 *   hundreds of parts per request and push every app towards ClickHouse's
 *   TOO_MANY_PARTS. (The batcher also splits a merged insert so that it never
 *   exceeds the engine's 100 partitions per INSERT.)
 *
 * Pure: the clock comes in as `nowNanos`.
 */
import { ATTR_XRAY_EXECUTION_ID } from '@xray/sdk/semconv';
import type { AttrValue, Attributes, DecodedSpan } from '../contracts/spans.js';

export interface SpanAdmissionOptions {
  /** Days of data the tables keep (their TTL); older spans are refused. */
  retentionDays: number;
  /** How far past `nowNanos` a span may end (sender clocks drift). */
  maxFutureSkewSeconds: number;
}

export interface SpanAdmission {
  spans: DecodedSpan[];
  rejectedSpans: number;
  /** At most `MAX_ADMISSION_MESSAGES` reasons, each naming the span. */
  rejectionMessages: string[];
}

/** Longest `xray.execution.id` accepted; the query API reads ids up to this length. */
export const MAX_EXECUTION_ID_CHARS = 256;
export const MAX_ADMISSION_MESSAGES = 5;
/** Distinct start days one request may cover; spans on further days are rejected. */
export const MAX_DAYS_PER_REQUEST = 10;

const NANOS_PER_SECOND = 1_000_000_000n;
const NANOS_PER_DAY = 86_400n * NANOS_PER_SECOND;
/** 2149-06-06, the last day of ClickHouse's `Date`, which partitions the tables. */
const LAST_PARTITION_DAY_NANOS = 65_535n * NANOS_PER_DAY;

/** An OTLP time as ISO 8601; every uint64 of nanoseconds (up to 2554) is a valid Date. */
function isoOf(nanos: bigint): string {
  return new Date(Number(nanos / 1_000_000n)).toISOString();
}

/** True when `value`, and everything nested in it, is well-formed Unicode text. */
function isWellFormedValue(value: AttrValue): boolean {
  if (typeof value === 'string') return value.isWellFormed();
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) return value.every(isWellFormedValue);
  return isWellFormedAttributes(value);
}

function isWellFormedAttributes(attributes: Attributes): boolean {
  for (const key in attributes) {
    if (!key.isWellFormed() || !isWellFormedValue(attributes[key])) return false;
  }
  return true;
}

function textProblem(span: DecodedSpan, checkedResources: WeakSet<Attributes>): string | undefined {
  const wellFormed =
    span.name.isWellFormed() &&
    span.status.message.isWellFormed() &&
    span.scope.name.isWellFormed() &&
    span.scope.version.isWellFormed() &&
    isWellFormedAttributes(span.attributes) &&
    span.events.every((event) => event.name.isWellFormed() && isWellFormedAttributes(event.attributes));
  if (!wellFormed) return 'a string holds a lone UTF-16 surrogate (not valid Unicode text)';
  // Every span of one resource shares its attribute object: check it once.
  if (!checkedResources.has(span.resource)) {
    if (!isWellFormedAttributes(span.resource)) return 'a resource attribute holds a lone UTF-16 surrogate (not valid Unicode text)';
    checkedResources.add(span.resource);
  }
  return undefined;
}

function timeProblem(span: DecodedSpan, oldestNanos: bigint, latestNanos: bigint, options: SpanAdmissionOptions): string | undefined {
  if (span.startTimeUnixNano < oldestNanos) {
    return `startTimeUnixNano ${isoOf(span.startTimeUnixNano)} is older than the ${options.retentionDays}-day retention`;
  }
  if (span.endTimeUnixNano > latestNanos) {
    return span.endTimeUnixNano > LAST_PARTITION_DAY_NANOS
      ? `endTimeUnixNano ${isoOf(span.endTimeUnixNano)} is beyond the last storable day (2149-06-06)`
      : `endTimeUnixNano ${isoOf(span.endTimeUnixNano)} is more than ${options.maxFutureSkewSeconds} s in the future`;
  }
  return undefined;
}

function executionIdProblem(span: DecodedSpan): string | undefined {
  const id = span.attributes[ATTR_XRAY_EXECUTION_ID];
  if (typeof id === 'string' && id.length > MAX_EXECUTION_ID_CHARS) {
    return `${ATTR_XRAY_EXECUTION_ID} is ${id.length} characters long (at most ${MAX_EXECUTION_ID_CHARS})`;
  }
  return undefined;
}

/** Admits a request's spans one at a time (the streamed decode, ingest/encode-request.ts); `admitSpans` over a list. */
export interface SpanAdmitter {
  /** True when ClickHouse will store and keep `span`; otherwise counts it and keeps its reason. */
  admit(span: DecodedSpan): boolean;
  readonly rejectedSpans: number;
  /** At most `MAX_ADMISSION_MESSAGES` reasons, each naming the span. */
  readonly rejectionMessages: string[];
}

/**
 * One request's admission: the clock and the request's days are fixed for
 * all of its spans, in whatever pieces they arrive.
 *
 * @example
 * const admitter = createSpanAdmitter(BigInt(Date.now()) * 1_000_000n, { retentionDays: 30, maxFutureSkewSeconds: 3600 });
 * if (admitter.admit(span)) keep(span);
 */
export function createSpanAdmitter(nowNanos: bigint, options: SpanAdmissionOptions): SpanAdmitter {
  const oldest = nowNanos - BigInt(options.retentionDays) * NANOS_PER_DAY;
  const oldestNanos = oldest > 0n ? oldest : 0n;
  const skewed = nowNanos + BigInt(options.maxFutureSkewSeconds) * NANOS_PER_SECOND;
  const latestNanos = skewed < LAST_PARTITION_DAY_NANOS ? skewed : LAST_PARTITION_DAY_NANOS;
  const checkedResources = new WeakSet<Attributes>();
  const days = new Set<bigint>();
  const dayProblem = (span: DecodedSpan): string | undefined => {
    const day = span.startTimeUnixNano / NANOS_PER_DAY;
    if (days.has(day)) return undefined;
    if (days.size === MAX_DAYS_PER_REQUEST) {
      return `the request's spans start on more than ${MAX_DAYS_PER_REQUEST} distinct days; send spans of other days in another request`;
    }
    days.add(day);
    return undefined;
  };
  const rejectionMessages: string[] = [];
  let rejectedSpans = 0;
  return {
    admit(span) {
      const problem =
        timeProblem(span, oldestNanos, latestNanos, options) ??
        executionIdProblem(span) ??
        textProblem(span, checkedResources) ??
        dayProblem(span);
      if (problem === undefined) return true;
      rejectedSpans += 1;
      if (rejectionMessages.length < MAX_ADMISSION_MESSAGES) {
        const name = span.name.length > 64 ? `${span.name.slice(0, 64)}…` : span.name;
        rejectionMessages.push(`span ${span.spanId} (${JSON.stringify(name)}): ${problem}`);
      }
      return false;
    },
    get rejectedSpans() {
      return rejectedSpans;
    },
    rejectionMessages,
  };
}

/**
 * Keeps the spans ClickHouse will store and keep; counts and explains the rest.
 *
 * @example
 * const now = BigInt(Date.now()) * 1_000_000n;
 * admitSpans(decoded.spans, now, { retentionDays: 30, maxFutureSkewSeconds: 3600 });
 * // { spans: [...], rejectedSpans: 1, rejectionMessages: ['span 00f0... ("load"): startTimeUnixNano 2020-01-01T00:00:00.000Z is older than the 30-day retention'] }
 */
export function admitSpans(spans: DecodedSpan[], nowNanos: bigint, options: SpanAdmissionOptions): SpanAdmission {
  const admitter = createSpanAdmitter(nowNanos, options);
  const kept = spans.filter((span) => admitter.admit(span));
  const { rejectedSpans, rejectionMessages } = admitter;
  return rejectedSpans === 0 ? { spans, rejectedSpans, rejectionMessages } : { spans: kept, rejectedSpans, rejectionMessages };
}
