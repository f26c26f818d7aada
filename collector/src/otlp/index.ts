/**
 * OTLP/HTTP traces: decompress a request body, decode it (protobuf or JSON)
 * into DecodedSpan[], and encode the replies. No HTTP and no storage here;
 * app.ts wires this to the route and to the model.
 */
export { decodeProtobufTraces } from './decode-protobuf.js';
export { decodeJsonTraces } from './decode-json.js';
export { decompressBody } from './decompress.js';
export { encodeExportResponse, encodeStatus } from './encode-response.js';
export type { OtlpFormat, PartialSuccess, RpcStatusBody } from './encode-response.js';
export { BodyTooLargeError, MAX_ATTRIBUTE_VALUES_PER_REQUEST, MAX_EVENTS_PER_REQUEST, OtlpDecodeError, UnsupportedEncodingError } from './errors.js';
export { MAX_ANY_VALUE_DEPTH } from './attributes.js';
export { MAX_REJECTION_MESSAGES } from './decode-result.js';
export type { AttrValue, Attributes, DecodedEvent, DecodedSpan, DecodeResult } from '../contracts/spans.js';
