/**
 * OTLP/HTTP JSON (Content-Type: application/json) -> DecodedSpan[]. A valid
 * request is checked and mapped in one pass by map-json-request.ts; only a
 * request it rejects is run through the zod schema in json-schema.ts, whose
 * issues become one OtlpDecodeError naming the field. Spans are validated
 * exactly like the protobuf decoder's.
 */
import type { z } from 'zod';
import { createDecodeResultBuilder } from './decode-result.js';
import { OtlpDecodeError } from './errors.js';
import { exportTraceServiceRequestJson, type ExportTraceServiceRequestJson } from './json-schema.js';
import { countJsonRequest, mapJsonRequest } from './map-json-request.js';
import { findSpanProblem, normalizeParentSpanId } from './span-validation.js';
import type { DecodeResult } from '../contracts/spans.js';

/** How many field errors one message lists; the first few are enough to fix a sender. */
const MAX_REPORTED_ISSUES = 3;

const utf8 = new TextDecoder('utf-8', { fatal: true });

const STOP_AT_FIRST_ISSUE = { abortEarly: true } as Parameters<typeof exportTraceServiceRequestJson.safeParse>[1];

/** `['resourceSpans', 0, 'scopeSpans']` -> `resourceSpans[0].scopeSpans`. */
function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : `${out === '' ? '' : '.'}${String(part)}`;
  }
  return out === '' ? '(request)' : out;
}

function describeIssues(issues: ReadonlyArray<z.core.$ZodIssue>): string {
  const listed = issues.slice(0, MAX_REPORTED_ISSUES).map((i) => `${formatPath(i.path)}: ${i.message}`);
  const more = issues.length > MAX_REPORTED_ISSUES ? ` (and ${issues.length - MAX_REPORTED_ISSUES} more)` : '';
  return `invalid OTLP/JSON ExportTraceServiceRequest: ${listed.join('; ')}${more}`;
}

function parseJsonObject(body: string | Uint8Array): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : utf8.decode(body));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new OtlpDecodeError(`request body is not valid JSON: ${reason}`, { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new OtlpDecodeError('invalid OTLP/JSON ExportTraceServiceRequest: the body must be a JSON object');
  }
  return json as Record<string, unknown>;
}

/**
 * The slow path: the schema's error for an invalid request, or its reading
 * of a valid one. It stops at the first issue (`abortEarly`): zod gathers
 * every issue of an array and re-copies them at each level above, which for
 * a hostile body of 200 000 bad attributes took seconds and overflowed the
 * stack; the first issue is what a sender needs. (`abortEarly` is zod's
 * internal parse option, hence the cast; a test pins the behaviour, and a
 * stack overflow would still become a 400, never a 500.)
 */
function decodeWithSchema(json: Record<string, unknown>): DecodeResult {
  let parsed: ReturnType<typeof exportTraceServiceRequestJson.safeParse>;
  try {
    parsed = exportTraceServiceRequestJson.safeParse(json, STOP_AT_FIRST_ISSUE);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new OtlpDecodeError('invalid OTLP/JSON ExportTraceServiceRequest: too many invalid values to describe', { cause: error });
  }
  if (!parsed.success) throw new OtlpDecodeError(describeIssues(parsed.error.issues));
  return mapParsedRequest(parsed.data);
}

/**
 * Maps a request the schema accepted. Reached only if the fast path rejects
 * a request that the schema accepts, which the tests check never happens;
 * kept so that such a request would still be decoded, not refused.
 */
function mapParsedRequest(request: ExportTraceServiceRequestJson): DecodeResult {
  const result = createDecodeResultBuilder();
  request.resourceSpans.forEach(({ resource, scopeSpans }, r) => {
    scopeSpans.forEach(({ scope, spans }, s) => {
      spans.forEach((span, i) => {
        const identity = {
          traceId: span.traceId.toLowerCase(),
          spanId: span.spanId.toLowerCase(),
          parentSpanId: span.parentSpanId.toLowerCase(),
          startTimeUnixNano: span.startTimeUnixNano,
          endTimeUnixNano: span.endTimeUnixNano,
        };
        const problem = findSpanProblem(identity);
        if (problem !== undefined) {
          result.reject(`resourceSpans[${r}].scopeSpans[${s}].spans[${i}]`, span.name, problem);
          return;
        }
        result.accept({
          ...identity,
          parentSpanId: normalizeParentSpanId(identity.parentSpanId),
          name: span.name,
          kind: span.kind,
          attributes: span.attributes,
          events: span.events,
          status: span.status,
          resource,
          scope,
        });
      });
    });
  });
  return result.finish();
}

/**
 * Decodes an OTLP/JSON `ExportTraceServiceRequest` (UTF-8 text or bytes).
 *
 * Throws `OtlpDecodeError` for invalid JSON or a field of the wrong type, with
 * the field's path in the message (answer 400); spans that parse but fail the
 * per-span checks are counted in `rejectedSpans` instead.
 *
 * @example
 * decodeJsonTraces('{"resourceSpans":[]}'); // { spans: [], rejectedSpans: 0, rejectionMessages: [] }
 */
export function decodeJsonTraces(body: string | Uint8Array): DecodeResult {
  const json = parseJsonObject(body);
  // Past a limit of events or attribute values: OtlpDecodeError, before anything is mapped.
  countJsonRequest(json);
  return mapJsonRequest(json) ?? decodeWithSchema(json);
}

/**
 * The same decoding done by the zod schema alone, never the fast path. Not
 * part of the module's surface (index.ts does not export it): the tests use
 * it to prove the fast path accepts, rejects and reads exactly like the
 * schema of record.
 */
export function decodeJsonTracesWithSchema(body: string | Uint8Array): DecodeResult {
  const json = parseJsonObject(body);
  countJsonRequest(json);
  return decodeWithSchema(json);
}
