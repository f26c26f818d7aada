/**
 * Anything thrown while reading an OTLP request (decompressing, decoding),
 * on the main thread or in a decode worker, as the registry error the
 * request is answered with.
 */
import { ERRORS, XRayError } from '../errors.js';
import { BodyTooLargeError, OtlpDecodeError, UnsupportedEncodingError } from '../otlp/index.js';

/** Turns anything thrown while reading a request into a registry error. */
export function toIngestError(error: unknown): XRayError {
  if (error instanceof XRayError) return error;
  if (error instanceof BodyTooLargeError) return new XRayError('XRAY_ERR_OTLP_BODY_TOO_LARGE', error.message);
  if (error instanceof UnsupportedEncodingError) return new XRayError('XRAY_ERR_OTLP_UNSUPPORTED_ENCODING', error.message);
  if (error instanceof OtlpDecodeError) return new XRayError('XRAY_ERR_OTLP_DECODE', error.message);
  const fastifyCode = (error as { code?: string }).code;
  if (fastifyCode === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    // Fastify refuses a Content-Type it cannot even parse (e.g. "json") before any parser runs.
    return new XRayError('XRAY_ERR_OTLP_UNSUPPORTED_MEDIA_TYPE', (error as Error).message);
  }
  if (fastifyCode === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new XRayError('XRAY_ERR_OTLP_BODY_TOO_LARGE', ERRORS.XRAY_ERR_OTLP_BODY_TOO_LARGE.message);
  }
  if (fastifyCode === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' || fastifyCode === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new XRayError('XRAY_ERR_OTLP_DECODE', (error as Error).message);
  }
  return new XRayError('XRAY_ERR_INTERNAL', undefined, { cause: error });
}
