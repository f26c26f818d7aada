/**
 * A budget of request bytes the OTLP receiver may hold at once. Overload
 * must be refused before a body is read, not after it is decoded: a body is
 * cheap to refuse (one header), expensive to hold (the buffer, its inflated
 * copy, the decoded spans). So each request reserves its Content-Length when
 * its headers arrive (the largest allowed body when it is chunked), grows
 * the reservation by the inflated size after decompression, and gives it all
 * back when its response is done. A request that does not fit is answered
 * 503 with Retry-After at once and its body is never buffered.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { XRayError } from '../errors.js';

/**
 * The default budget: two bodies of the default 16 MiB limit (one core
 * decodes them anyway, so more in flight only holds more memory). Decoding
 * multiplies a body several times over in memory, and 64 clients x 15 MB
 * must leave the collector under 1 GiB (bench/overload.js measures it).
 */
export const DEFAULT_MAX_INFLIGHT_BYTES = 32 * 1024 * 1024;

export interface InFlightBytesOptions {
  /** Bytes all requests together may reserve. */
  maxBytes: number;
  /** What a request without a Content-Length reserves (the body limit). */
  maxBodyBytes: number;
  /** The least one request reserves, so many tiny requests are bounded too. */
  minReservationBytes?: number;
}

export interface InFlightBytes {
  /** Bytes reserved right now. */
  readonly reservedBytes: number;
  /** Reserves `bytes`; false (and nothing reserved) when the budget cannot hold them. */
  tryReserve(bytes: number): boolean;
  release(bytes: number): void;
}

/**
 * The budget itself, with no HTTP in it.
 *
 * @example
 * const budget = createInFlightBytes({ maxBytes: 64 << 20, maxBodyBytes: 16 << 20 });
 * if (budget.tryReserve(1024)) { try { ... } finally { budget.release(1024); } }
 */
export function createInFlightBytes(options: InFlightBytesOptions): InFlightBytes {
  let reserved = 0;
  return {
    get reservedBytes() {
      return reserved;
    },
    tryReserve(bytes) {
      // One request alone always fits, or a body the size of the limit could never be sent.
      if (reserved > 0 && reserved + bytes > options.maxBytes) return false;
      reserved += bytes;
      return true;
    },
    release(bytes) {
      reserved = Math.max(0, reserved - bytes);
    },
  };
}

const reservations = new WeakMap<FastifyRequest, { bytes: number }>();

function overloaded(budget: InFlightBytes, options: InFlightBytesOptions): XRayError {
  return new XRayError(
    'XRAY_ERR_OVERLOADED',
    `The collector is holding ${budget.reservedBytes} bytes of OTLP requests (limit ${options.maxBytes}, XRAY_MAX_INFLIGHT_BYTES); retry later`,
  );
}

/** The bytes a request announces, or undefined when it is chunked or the header is not a number. */
function contentLengthOf(request: FastifyRequest): number | undefined {
  const header = request.headers['content-length'];
  if (typeof header !== 'string' || !/^\d{1,15}$/.test(header)) return undefined;
  return Number(header);
}

/**
 * Adds the budget to every route of `scope`: an onRequest hook reserves the
 * request's bytes before its body is read (or answers 503 through the
 * route's error handler) and the reservation is released when the response
 * closes. Returns `reserveDecoded`, which the route calls with the size of a
 * body after decompression.
 *
 * @example
 * const { reserveDecoded } = addInFlightBytesLimit(scope, { maxBytes: 64 << 20, maxBodyBytes: 16 << 20 });
 */
export function addInFlightBytesLimit(
  scope: FastifyInstance,
  options: InFlightBytesOptions,
): { budget: InFlightBytes; reserveDecoded: (request: FastifyRequest, bytes: number) => void } {
  const budget = createInFlightBytes(options);
  const minimum = options.minReservationBytes ?? 16 * 1024;

  scope.addHook('onRequest', async (request, reply) => {
    // A body above the limit is refused (413) by the body parser from its
    // Content-Length alone, without reading it: reserve at most the limit.
    const announced = contentLengthOf(request) ?? options.maxBodyBytes;
    const bytes = Math.max(minimum, Math.min(announced, options.maxBodyBytes));
    if (!budget.tryReserve(bytes)) throw overloaded(budget, options);
    const reservation = { bytes };
    reservations.set(request, reservation);
    reply.raw.once('close', () => budget.release(reservation.bytes));
  });

  return {
    budget,
    reserveDecoded(request, bytes) {
      const reservation = reservations.get(request);
      if (!reservation || bytes <= reservation.bytes) return;
      const more = bytes - reservation.bytes;
      if (!budget.tryReserve(more)) throw overloaded(budget, options);
      reservation.bytes += more;
    },
  };
}
