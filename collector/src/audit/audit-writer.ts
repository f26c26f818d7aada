/**
 * Writes audit entries off the request path. record() only pushes onto a
 * bounded in-memory buffer and never throws; a timer writes the buffer to
 * `audit_log` in batches, one insert at a time. When the buffer is full, or
 * an insert fails, entries are dropped and counted
 * (`xray_audit_dropped_total{reason}`): recording never slows or fails the
 * request it records.
 */
import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import type { ClickHouseBackend } from '../store/index.js';

/** One row of `audit_log`. */
export interface AuditEntry {
  app_id: string;
  /** `YYYY-MM-DD hh:mm:ss.sss` in UTC. */
  time: string;
  request_id: string;
  actor: string;
  method: string;
  route: string;
  path: string;
  params: string;
  status: number;
  rows: number;
  duration_ms: number;
}

export interface AuditWriterOptions {
  backend: ClickHouseBackend;
  /** Where the recorded/dropped counters are registered. */
  registry: Registry;
  /** Most entries waiting in memory; more are dropped. */
  maxBufferedEntries?: number;
  /** Most entries per insert. */
  maxBatchEntries?: number;
  /** How often the buffer is written. */
  flushIntervalMillis?: number;
}

export interface AuditWriter {
  /** Queues an entry; never throws, never waits. */
  record(entry: AuditEntry): void;
  /** Writes everything queued so far (tests, shutdown). */
  flush(): Promise<void>;
  /** Stops the timer after a last flush. */
  close(): Promise<void>;
}

/**
 * Creates the writer and starts its timer.
 *
 * @example
 * const writer = createAuditWriter({ backend, registry: metrics.registry });
 * writer.record(entry); // returns at once
 */
export function createAuditWriter(options: AuditWriterOptions): AuditWriter {
  const maxBuffered = options.maxBufferedEntries ?? 10_000;
  const maxBatch = options.maxBatchEntries ?? 1_000;
  const recorded = new Counter({ name: 'xray_audit_recorded_total', help: 'Audit entries written to audit_log', registers: [options.registry] });
  const dropped = new Counter({
    name: 'xray_audit_dropped_total',
    help: 'Audit entries not written, by reason (buffer_full, insert_failed)',
    labelNames: ['reason'] as const,
    registers: [options.registry],
  });
  let buffer: AuditEntry[] = [];
  /** Entries taken by the write under way, still in memory until it ends. */
  let beingWritten = 0;
  let writing: Promise<void> | undefined;

  /**
   * Writes the entries queued when it starts, and only those: entries
   * recorded while it writes wait for the next flush. (Draining until the
   * queue was empty kept one insert running after another under steady
   * reads, each of a few rows: a new part every ~12 ms, and parts piling up
   * over minutes of reads, until the inserts, merges and part bookkeeping
   * cost ~600 us of engine CPU per recorded request, more than the request
   * itself; bench/README.md, `query`.)
   */
  async function writeBatches(): Promise<void> {
    const queued = buffer;
    buffer = [];
    beingWritten = queued.length;
    for (let start = 0; start < queued.length; start += maxBatch) {
      const batch = queued.slice(start, start + maxBatch);
      try {
        await options.backend.insert('audit_log', batch);
        recorded.inc(batch.length);
      } catch {
        dropped.inc({ reason: 'insert_failed' }, batch.length);
      }
      beingWritten -= batch.length;
    }
  }

  function flush(): Promise<void> {
    writing ??= writeBatches().finally(() => {
      writing = undefined;
    });
    return writing;
  }

  const timer = setInterval(() => void flush(), options.flushIntervalMillis ?? 1_000);
  timer.unref();

  return {
    record(entry) {
      if (buffer.length + beingWritten >= maxBuffered) {
        dropped.inc({ reason: 'buffer_full' });
        return;
      }
      buffer.push(entry);
    },
    async flush() {
      // The write under way, then one for what was recorded during it.
      await writing;
      await flush();
    },
    async close() {
      clearInterval(timer);
      await this.flush();
    },
  };
}
