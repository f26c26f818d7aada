/**
 * Signed requests: verifying `x-xray-signature` on POST /v1/traces.
 *
 *   x-xray-signature: t=<unix seconds>,v1=<hex HMAC-SHA256>[,v1=<hex>…]
 *
 * where each v1 is HMAC-SHA256, keyed with the app's signing secret (the
 * whole `xrs_…` string as UTF-8), over `"<t>."` followed by the body bytes
 * exactly as sent on the wire (compressed, if the request is). Several v1
 * entries let a client sign with an old and a new secret during rotation;
 * one matching an active secret is enough. The timestamp must be within the
 * window of now, either way. Comparisons run in constant time.
 *
 * Replays inside the window are not refused: OTLP exporters retry with the
 * same body, and a replayed body stores the same rows, which
 * ReplacingMergeTree and FINAL reads collapse.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-xray-signature';
/** More v1 entries than this is not rotation, it is an attempt to make us hash a lot. */
const MAX_SIGNATURES = 8;

export type SignatureFailureCode = 'XRAY_ERR_SIGNATURE_MISSING' | 'XRAY_ERR_SIGNATURE_STALE' | 'XRAY_ERR_SIGNATURE_INVALID';

export type SignatureCheck = { ok: true } | { ok: false; code: SignatureFailureCode; message: string };

export interface ParsedSignature {
  timestamp: number;
  signatures: Buffer[];
}

/**
 * Parses the header value; undefined when it is not `t=…,v1=…` with one
 * timestamp and 1–8 hex SHA-256 digests. Unknown entries (a future `v2=`) are skipped.
 *
 * @example
 * parseSignatureHeader('t=1767225600,v1=5f2b…'); // { timestamp: 1767225600, signatures: [<Buffer 5f 2b …>] }
 */
export function parseSignatureHeader(value: string): ParsedSignature | undefined {
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq === -1) return undefined;
    const name = part.slice(0, eq).trim();
    const field = part.slice(eq + 1).trim();
    if (name === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(field)) return undefined;
      timestamp = Number(field);
    } else if (name === 'v1') {
      if (!/^[0-9a-fA-F]{64}$/.test(field) || signatures.length === MAX_SIGNATURES) return undefined;
      signatures.push(Buffer.from(field, 'hex'));
    }
  }
  return timestamp === undefined || signatures.length === 0 ? undefined : { timestamp, signatures };
}

/**
 * The hex signature of `body` at `timestamp` (unix seconds) with `secret`.
 *
 * @example
 * const header = `t=${t},v1=${signBody(secret, t, gzippedBody)}`;
 */
export function signBody(secret: string, timestamp: number, body: Uint8Array): string {
  return hmac(secret, timestamp, body).toString('hex');
}

function hmac(secret: string, timestamp: number, body: Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
}

export interface VerifySignatureInput {
  /** The header value(s) as received; undefined when absent. */
  header: string | string[] | undefined;
  /** The raw body, as received (before decompression). */
  body: Uint8Array;
  /** The app's active signing secrets. */
  secrets: readonly string[];
  /** Whether the app refuses unsigned requests. */
  required: boolean;
  nowSeconds: number;
  windowSeconds: number;
}

/**
 * Decides whether a request's signature holds. An unsigned request passes
 * only when the app does not require signatures; a signed one is always
 * checked (a wrong signature means a wrong secret or an altered body).
 *
 * @example
 * verifySignature({ header, body, secrets: ['xrs_…'], required: true, nowSeconds, windowSeconds: 300 }); // { ok: true }
 */
export function verifySignature(input: VerifySignatureInput): SignatureCheck {
  const header = Array.isArray(input.header) ? input.header.join(',') : input.header;
  if (header === undefined || header.trim() === '') {
    return input.required
      ? { ok: false, code: 'XRAY_ERR_SIGNATURE_MISSING', message: `This app requires signed requests: send ${SIGNATURE_HEADER}` }
      : { ok: true };
  }
  const parsed = parseSignatureHeader(header);
  if (!parsed) {
    return { ok: false, code: 'XRAY_ERR_SIGNATURE_INVALID', message: `${SIGNATURE_HEADER} is not "t=<unix seconds>,v1=<64 hex digits>"` };
  }
  const skew = input.nowSeconds - parsed.timestamp;
  if (Math.abs(skew) > input.windowSeconds) {
    return {
      ok: false,
      code: 'XRAY_ERR_SIGNATURE_STALE',
      message: `The signature's timestamp is ${Math.abs(skew)} s ${skew > 0 ? 'old' : 'in the future'}; the window is ${input.windowSeconds} s`,
    };
  }
  if (input.secrets.length === 0) {
    return { ok: false, code: 'XRAY_ERR_SIGNATURE_INVALID', message: 'The request is signed but the app has no signing secret' };
  }
  let matched = false;
  for (const secret of input.secrets) {
    const expected = hmac(secret, parsed.timestamp, input.body);
    // No early exit: every comparison runs, whichever matches.
    for (const given of parsed.signatures) if (timingSafeEqual(expected, given)) matched = true;
  }
  return matched
    ? { ok: true }
    : { ok: false, code: 'XRAY_ERR_SIGNATURE_INVALID', message: 'The signature does not match the body and an active signing secret of the app' };
}
