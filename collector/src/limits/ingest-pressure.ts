/**
 * Refuses OTLP requests early while the process itself is struggling:
 * `@fastify/under-pressure` watches the event-loop delay and the V8 heap,
 * and while either is past its limit a new request is answered 503 with
 * Retry-After from its headers alone, in the OTLP status shape (the route's
 * error handler words it). Together with the in-flight byte budget this
 * keeps a flood of large bodies from being read at all.
 */
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { getHeapStatistics } from 'node:v8';
import { XRayError } from '../errors.js';
import { addInFlightBytesLimit } from './in-flight-bytes.js';
import type { InFlightBytes } from './in-flight-bytes.js';

export interface IngestLimitsOptions {
  /** Request bytes all OTLP requests together may hold (XRAY_MAX_INFLIGHT_BYTES). */
  maxInFlightBytes: number;
  maxBodyBytes: number;
  /** Event-loop delay beyond which requests are refused; 1000 ms when omitted, 0 turns the check off. */
  maxEventLoopDelayMillis?: number;
  /** Heap use beyond which requests are refused; 85% of V8's heap limit when omitted. */
  maxHeapUsedBytes?: number;
  /** Where to publish `xray_ingest_inflight_bytes`; not published when omitted. */
  registry?: Registry;
}

export interface IngestLimits {
  budget: InFlightBytes;
  /** Grows the request's reservation to `bytes` (its size after decompression); throws XRAY_ERR_OVERLOADED when that does not fit. */
  reserveDecoded(request: FastifyRequest, bytes: number): void;
}

/**
 * Adds the overload guards to every route of `scope` (register the OTLP route inside it).
 *
 * @example
 * await app.register(async (ingest) => {
 *   const limits = await addIngestLimits(ingest, { maxInFlightBytes: 64 << 20, maxBodyBytes: 16 << 20 });
 *   await ingest.register(tracesRoute, { ...options, reserveDecoded: limits.reserveDecoded });
 * });
 */
export async function addIngestLimits(scope: FastifyInstance, options: IngestLimitsOptions): Promise<IngestLimits> {
  await scope.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMillis ?? 1000,
    maxHeapUsedBytes: options.maxHeapUsedBytes ?? Math.floor(getHeapStatistics().heap_size_limit * 0.85),
    pressureHandler: async (_request, _reply, type, value) => {
      // under-pressure reports an interval without a single event-loop sample
      // as an infinite delay: no measurement, not an overload (it happens
      // right after start-up on a starved machine). The byte budget still
      // bounds the request; a real stall shows as a finite delay next interval.
      if (type === 'eventLoopDelay' && !Number.isFinite(Number(value))) return;
      throw new XRayError('XRAY_ERR_OVERLOADED', `The collector is under pressure (${type}: ${Math.round(Number(value))}); retry later`);
    },
  });
  const limits = addInFlightBytesLimit(scope, { maxBytes: options.maxInFlightBytes, maxBodyBytes: options.maxBodyBytes });
  if (options.registry) {
    new Gauge({
      name: 'xray_ingest_inflight_bytes',
      help: 'Bytes of OTLP requests being received or decoded (reserved against XRAY_MAX_INFLIGHT_BYTES)',
      registers: [options.registry],
      collect() {
        this.set(limits.budget.reservedBytes);
      },
    });
  }
  return limits;
}
