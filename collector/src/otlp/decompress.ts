/**
 * Undoes the request's Content-Encoding while enforcing the body limit on the
 * DECOMPRESSED size. The output is counted as it streams out of zlib and the
 * stream is destroyed as soon as the limit is crossed, so a gzip bomb (a few
 * KB that inflate to gigabytes) costs at most `maxBytes` plus one zlib chunk,
 * never the full inflation. OTLP requires gzip; deflate is accepted because
 * it costs nothing extra.
 */
import { createGunzip, createInflate, createInflateRaw, type Gunzip, type Inflate, type InflateRaw } from 'node:zlib';
import { BodyTooLargeError, OtlpDecodeError, UnsupportedEncodingError } from './errors.js';

type Inflater = Gunzip | Inflate | InflateRaw;

/**
 * Reads a Content-Encoding header. `identity` and empty entries mean "not
 * encoded"; a stack of real encodings ("gzip, deflate") is not supported
 * because no OTLP client sends one.
 */
function parseEncoding(header: string | undefined): string {
  const codings = (header ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length === 0) return 'identity';
  if (codings.length > 1) throw new UnsupportedEncodingError(header ?? '');
  return codings[0];
}

/**
 * HTTP "deflate" is meant to be zlib-wrapped (RFC 9110), but some senders
 * send a raw deflate stream; a zlib header is recognisable by its first two
 * bytes (method 8 and a checksum divisible by 31).
 */
function hasZlibHeader(body: Buffer): boolean {
  return body.length >= 2 && (body[0] & 0x0f) === 8 && ((body[0] << 8) | body[1]) % 31 === 0;
}

function createInflater(encoding: string, body: Buffer): Inflater {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return hasZlibHeader(body) ? createInflate() : createInflateRaw();
    default:
      throw new UnsupportedEncodingError(encoding);
  }
}

function inflate(inflater: Inflater, encoding: string, body: Buffer, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      outcome();
    };
    inflater.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        inflater.destroy();
        settle(() => reject(new BodyTooLargeError(maxBytes)));
        return;
      }
      chunks.push(chunk);
    });
    inflater.on('error', (error) => {
      settle(() => reject(new OtlpDecodeError(`corrupt ${encoding} body: ${error.message}`, { cause: error })));
    });
    inflater.on('end', () => settle(() => resolve(Buffer.concat(chunks, size))));
    inflater.end(body);
  });
}

/**
 * Returns the body with its Content-Encoding removed.
 *
 * Throws `BodyTooLargeError` when the decoded body exceeds `maxBytes` (answer
 * 413), `UnsupportedEncodingError` for an encoding other than gzip, deflate or
 * identity (answer 415) and `OtlpDecodeError` when the compressed data is
 * corrupt or truncated (answer 400).
 *
 * @example
 * const raw = await decompressBody(request.body, request.headers['content-encoding'], 20 * 1024 * 1024);
 */
export async function decompressBody(body: Buffer, contentEncoding: string | undefined, maxBytes: number): Promise<Buffer> {
  const encoding = parseEncoding(contentEncoding);
  if (encoding === 'identity') {
    if (body.length > maxBytes) throw new BodyTooLargeError(maxBytes);
    return body;
  }
  return inflate(createInflater(encoding, body), encoding, body, maxBytes);
}
