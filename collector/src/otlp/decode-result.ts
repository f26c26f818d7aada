/**
 * Collects the outcome of decoding one request: the spans kept, and a count of
 * the spans rejected with a few reasons for `partial_success.error_message`.
 * Only a few reasons are kept because the message goes back to the sender in
 * every response; a batch of 10 000 bad spans needs one example, not 10 000.
 */
import type { DecodedSpan, DecodeResult } from '../contracts/spans.js';
import { MAX_ATTRIBUTE_VALUES_PER_REQUEST, MAX_EVENTS_PER_REQUEST, tooManyAttributeValues, tooManyEvents } from './errors.js';

/** How many rejection reasons one result keeps. */
export const MAX_REJECTION_MESSAGES = 5;

/** Span names are free text from the sender; a long one would swamp the message. */
const MAX_NAME_CHARS = 64;

export interface DecodeResultBuilder {
  accept(span: DecodedSpan): void;
  /** `where` locates the span in the request, e.g. `resourceSpans[0].scopeSpans[1].spans[4]`. */
  reject(where: string, spanName: string, problem: string): void;
  /**
   * Counts `count` more span events of the request, before they are read;
   * throws OtlpDecodeError (tooManyEvents) past MAX_EVENTS_PER_REQUEST.
   */
  countEvents(count: number): void;
  /**
   * Counts `count` more attribute values of the request (an attribute, a
   * key-value list entry, an array item), before they are read; throws
   * OtlpDecodeError (tooManyAttributeValues) past
   * MAX_ATTRIBUTE_VALUES_PER_REQUEST.
   */
  countAttributeValues(count: number): void;
  /** The attribute values counted so far; `uncountAttributeValuesTo` goes back to such a count (a reader that reads a part again). */
  readonly attributeValues: number;
  uncountAttributeValuesTo(count: number): void;
  finish(): DecodeResult;
}

/**
 * @param onSpan When given, each accepted span goes to it as soon as it is
 *   decoded instead of into `spans` (which stays empty): a caller that maps
 *   spans one at a time lets each die young (ingest/encode-request.ts).
 */
export function createDecodeResultBuilder(onSpan?: (span: DecodedSpan) => void): DecodeResultBuilder {
  const spans: DecodedSpan[] = [];
  const rejectionMessages: string[] = [];
  let rejectedSpans = 0;
  let events = 0;
  let attributeValues = 0;
  return {
    accept(span) {
      if (onSpan) onSpan(span);
      else spans.push(span);
    },
    reject(where, spanName, problem) {
      rejectedSpans += 1;
      if (rejectionMessages.length < MAX_REJECTION_MESSAGES) {
        const name = spanName.length > MAX_NAME_CHARS ? `${spanName.slice(0, MAX_NAME_CHARS)}…` : spanName;
        rejectionMessages.push(`${where} (${JSON.stringify(name)}): ${problem}`);
      }
    },
    countEvents(count) {
      events += count;
      if (events > MAX_EVENTS_PER_REQUEST) throw tooManyEvents();
    },
    countAttributeValues(count) {
      attributeValues += count;
      if (attributeValues > MAX_ATTRIBUTE_VALUES_PER_REQUEST) throw tooManyAttributeValues();
    },
    get attributeValues() {
      return attributeValues;
    },
    uncountAttributeValuesTo(count) {
      attributeValues = count;
    },
    finish() {
      return { spans, rejectedSpans, rejectionMessages };
    },
  };
}
