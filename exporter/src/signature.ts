/**
 * Signed requests: `x-xray-signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`
 * over `"<t>."` followed by the body exactly as sent (after compression). The
 * collector recomputes it with the app's signing secret and refuses a request
 * whose signature or timestamp does not check out, so a leaked API key alone
 * cannot write.
 */

export const SIGNATURE_HEADER = 'x-xray-signature';
const encoder = new TextEncoder();

/**
 * The header value for `body` signed with `secret` at `nowMillis`.
 *
 * @example
 * signatureHeader('s3cret', body, Date.now(), hmac); // 't=1767225600,v1=5f2b…'
 */
export function signatureHeader(
  secret: string,
  body: Uint8Array,
  nowMillis: number,
  hmacSha256Hex: (secret: string, parts: Uint8Array[]) => string,
): string {
  const t = Math.floor(nowMillis / 1000);
  const v1 = hmacSha256Hex(secret, [encoder.encode(`${t}.`), body]);
  return `t=${t},v1=${v1}`;
}
