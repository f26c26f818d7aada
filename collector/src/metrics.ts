/**
 * Prometheus metrics of one collector instance. Each app gets its own
 * registry, so several collectors in one process (tests) never collide.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { readResidentMemory } from './process-memory.js';
import type { EngineMemory } from './process-memory.js';
import type { SearchSieveStats } from './api/search-sieves.js';

export interface CollectorMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly spansAccepted: Counter;
  readonly spansRejected: Counter<'reason'>;
  /** OTLP bodies decoded, by where: `inline` (main thread) or `worker` (the decode pool). */
  readonly bodiesDecoded: Counter<'thread'>;
  readonly insertBatches: Counter<'outcome'>;
  readonly insertDuration: Histogram;
  readonly insertRows: Histogram;
  readonly pendingRows: Gauge;
  readonly arrivingRequests: Gauge;
  readonly rateLimited: Counter<'app' | 'limit' | 'route'>;
  /** The rollup job's passes (store/rollups.ts), by outcome, and their duration. */
  readonly rollupPasses: Counter<'outcome'>;
  readonly rollupDuration: Histogram;
  /** Seconds since the rollup watermark, read when scraped. */
  readonly rollupBehind: Gauge;
}

/** How long a scrape waits for the engine's memory before reporting it unknown (NaN). */
export const ENGINE_MEMORY_TIMEOUT_MILLIS = 1000;

/** What `/metrics` reads when scraped, beyond the counters the collector bumps. */
export interface MetricSources {
  /** Adds Node's default metrics (heap, event loop, process RSS) and this process's resident memory by kind. */
  defaultMetrics?: boolean;
  pendingRows?: () => number;
  /** Accepted ingest requests whose rows are not yet with the insert batcher (its writesOnTheirWay). */
  arrivingRequests?: () => number;
  rollupThroughMillis?: () => number;
  /** The engine's memory, when it runs in this process (embedded); a server's memory is not this process's. */
  engineMemory?: () => Promise<EngineMemory>;
  /** Purges of the embedded engine's allocator over the soft memory limit so far (store/engine-allocator.ts). */
  allocatorPurges?: () => number;
  /** Detail reads (`GET /api/v1/executions/{id}`) so far, by what answered: memory, the reply store, the engine. */
  detailReads?: () => { memory: number; store: number; engine: number };
  /** Pages of the executions list by what answered (api/list-head.ts), and the executions the head holds. */
  listReads?: () => { head: number; engine: number; rows: number; fromIngest: number; refreshes: number };
  /** Step searches with words so far, by what answered their settled days (api/step-search-index.ts), when there is an index. */
  stepSearches?: () => { index: number; engine: number };
  /** Step search's sieves of the recent days' words (api/search-sieves.ts), when there are some. */
  searchSieves?: () => SearchSieveStats;
  /** The reply store (store/reply-store.ts), when there is one: days served, settled days not yet built, replies kept. */
  replyStore?: () => { days: number; waiting: number; replies: number; cacheBytes: number };
}

export function createMetrics(options: MetricSources = {}): CollectorMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) {
    collectDefaultMetrics({ register: registry, prefix: 'xray_' });
    registerMemoryGauges(registry, options.engineMemory);
  }
  if (options.allocatorPurges !== undefined) registerPurgeCounter(registry, options.allocatorPurges);
  if (options.detailReads) registerDetailReads(registry, options.detailReads);
  if (options.listReads) registerListReads(registry, options.listReads);
  if (options.stepSearches) {
    registerReadsBySource(
      registry,
      'xray_step_search_reads_total',
      "Step searches with words, by what answered their settled days: index (the reply store's words and replies), engine (ClickHouse answered all of it)",
      ['index', 'engine'],
      options.stepSearches,
    );
  }
  if (options.replyStore) registerReplyStoreGauges(registry, options.replyStore);
  if (options.searchSieves) registerSearchSieveMetrics(registry, options.searchSieves);
  const pendingRowsSource = options.pendingRows;
  const arrivingSource = options.arrivingRequests;
  const rollupThroughSource = options.rollupThroughMillis;
  return {
    registry,
    httpRequests: new Counter({
      name: 'xray_http_requests_total',
      help: 'HTTP requests answered, by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    spansAccepted: new Counter({
      name: 'xray_spans_accepted_total',
      help: 'Spans stored',
      registers: [registry],
    }),
    spansRejected: new Counter({
      name: 'xray_spans_rejected_total',
      help: 'Spans not stored, by reason (invalid, decode, auth, overload, store); for auth and rate_limit, requests refused before decoding',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    bodiesDecoded: new Counter({
      name: 'xray_ingest_bodies_decoded_total',
      help: 'OTLP request bodies decoded, by thread: inline (main thread, small bodies) or worker (the decode pool)',
      labelNames: ['thread'] as const,
      registers: [registry],
    }),
    insertBatches: new Counter({
      name: 'xray_insert_batches_total',
      help: 'ClickHouse inserts made by the ingest batcher, by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    insertDuration: new Histogram({
      name: 'xray_insert_batch_duration_seconds',
      help: 'Time to insert one coalesced batch into ClickHouse',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    insertRows: new Histogram({
      name: 'xray_insert_batch_rows',
      help: 'Rows per coalesced ClickHouse insert',
      buckets: [1, 10, 100, 1000, 5000, 10000, 50000, 100000],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'xray_rate_limited_requests_total',
      help: 'Requests refused with 429 by the rate limits, by app, limit (app, key, or key_lookups: too many unseen keys) and route (ingest, read)',
      labelNames: ['app', 'limit', 'route'] as const,
      registers: [registry],
    }),
    rollupPasses: new Counter({
      name: 'xray_rollup_passes_total',
      help: 'Passes of the rollup job folding stored rows into the rollups, by outcome (ok, error)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    rollupDuration: new Histogram({
      name: 'xray_rollup_pass_duration_seconds',
      help: 'Time one pass of the rollup job took',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    rollupBehind: new Gauge({
      name: 'xray_rollup_behind_seconds',
      help: 'How far the rollups lag behind now: rows stored since then are read raw (the _live views) until a pass folds them in',
      registers: [registry],
      collect() {
        const through = rollupThroughSource?.() ?? 0;
        if (through > 0) this.set((Date.now() - through) / 1000);
      },
    }),
    pendingRows: new Gauge({
      name: 'xray_ingest_pending_rows',
      help: 'Rows accepted and waiting for ClickHouse',
      registers: [registry],
      collect() {
        if (pendingRowsSource) this.set(pendingRowsSource());
      },
    }),
    arrivingRequests: new Gauge({
      name: 'xray_ingest_requests_arriving',
      help: 'Ingest requests accepted whose rows are not yet with the insert batcher (body arriving or being decoded); while any is, waiting rows are held for them, at most XRAY_BATCH_MAX_WAIT_MILLIS',
      registers: [registry],
      collect() {
        if (arrivingSource) this.set(arrivingSource());
      },
    }),
  };
}

/** A counter that reports a running total kept elsewhere, read when scraped. */
function countedElsewhere<L extends string>(counter: Counter<L>, labels: Record<L, string>, total: () => number): () => void {
  let reported = 0;
  return () => {
    const now = total();
    if (now > reported) counter.inc(labels, now - reported);
    reported = now;
  };
}

/** A counter of reads by what answered them (`source`), from running totals kept elsewhere. */
function registerReadsBySource<S extends string>(registry: Registry, name: string, help: string, sources: readonly S[], reads: () => Record<S, number>): void {
  const updates: (() => void)[] = [];
  const counter: Counter<'source'> = new Counter({
    name,
    help,
    labelNames: ['source'],
    registers: [registry],
    collect() {
      for (const update of updates) update();
    },
  });
  for (const source of sources) updates.push(countedElsewhere(counter, { source }, () => reads()[source]));
}

function registerDetailReads(registry: Registry, reads: () => { memory: number; store: number; engine: number }): void {
  registerReadsBySource(
    registry,
    'xray_execution_detail_reads_total',
    'Reads of one execution with its steps, by what answered: memory (the cache of finished executions), store (the reply store on disk), engine (ClickHouse)',
    ['memory', 'store', 'engine'],
    reads,
  );
}

function registerListReads(registry: Registry, reads: () => { head: number; engine: number; rows: number; fromIngest: number; refreshes: number }): void {
  registerReadsBySource(
    registry,
    'xray_execution_list_reads_total',
    "Pages of the executions list without step, search, business-key or score filters, by what answered: head (recently listed apps' newest executions in memory), engine (ClickHouse)",
    ['head', 'engine'],
    reads,
  );
  new Gauge({
    name: 'xray_list_head_executions',
    help: 'Executions the list head holds in memory, over every app',
    registers: [registry],
    collect() {
      this.set(reads().rows);
    },
  });
  registerReadsBySource(
    registry,
    'xray_list_head_updates_total',
    "How the list head caught up with writes: ingest (an execution added from its insert's own rows, without a read), read (one read back of the written executions from ClickHouse, before a page)",
    ['ingest', 'read'],
    () => {
      const { fromIngest, refreshes } = reads();
      return { ingest: fromIngest, read: refreshes };
    },
  );
}

function registerReplyStoreGauges(registry: Registry, read: () => { days: number; waiting: number; replies: number; cacheBytes: number }): void {
  registerGauges(registry, read, [
    ['xray_reply_store_days', 'Days whose finished executions the reply store serves', 'days'],
    ['xray_reply_store_days_waiting', 'Settled days the reply store does not serve yet (being built, or changed since)', 'waiting'],
    ['xray_reply_store_replies', 'Execution replies kept in the reply store', 'replies'],
    ['xray_reply_store_cache_bytes', 'Bytes the reply store keeps in memory for step search: decompressed replies and word look-ups', 'cacheBytes'],
  ]);
}

/** Gauges `[name, help, field]` each set from its field of `read()` when scraped. */
function registerGauges<K extends string>(registry: Registry, read: () => Record<K, number>, gauges: readonly (readonly [string, string, K])[]): void {
  for (const [name, help, field] of gauges) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read()[field]);
      },
    });
  }
}

/** Step search's sieves: how many, how many answer, their memory, and the days of searches they ruled out. */
function registerSearchSieveMetrics(registry: Registry, read: () => SearchSieveStats): void {
  registerGauges(registry, read, [
    ['xray_search_sieves', "Sieves of recent days' words kept for step search, seeded or not", 'sieves'],
    ['xray_search_sieves_ready', "Of the sieves kept, those seeded with their day's stored words (answering)", 'ready'],
    ['xray_search_sieve_bytes', 'Bytes the sieves hold', 'bytes'],
  ]);
  registerCountedElsewhere(registry, 'xray_search_sieve_days_ruled_out_total', 'Days of step searches a sieve ruled out, so the engine was not asked for them', () => read().ruledOut);
}

/** The embedded engine's allocator purges, read from the backend's own count when scraped. */
function registerPurgeCounter(registry: Registry, purges: () => number): void {
  registerCountedElsewhere(
    registry,
    'xray_engine_allocator_purges_total',
    'Times the embedded engine returned its freed memory to the OS after an insert because the process was over XRAY_ENGINE_MEMORY_SOFT_LIMIT_MB',
    purges,
  );
}

/** An unlabelled counter whose count is kept elsewhere (`total()`), brought up to it when scraped. */
function registerCountedElsewhere(registry: Registry, name: string, help: string, total: () => number): void {
  let update = () => {};
  const counter = new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      update();
    },
  });
  update = countedElsewhere(counter, {}, total);
}

/**
 * The resident memory by kind (file-backed: mapped code, in embedded mode
 * mostly the engine's library; anonymous: the heaps) and, embedded, the
 * engine's own account: what its allocations hold and what running merges
 * hold. Read when scraped; a source that fails makes its gauges NaN for
 * that scrape rather than failing it.
 */
function registerMemoryGauges(registry: Registry, engineMemory: (() => Promise<EngineMemory>) | undefined): void {
  new Gauge({
    name: 'xray_resident_memory_by_kind_bytes',
    help: 'Resident memory of the collector process by kind: file (mapped code and read-only data, embedded mostly the ClickHouse engine library) or anonymous (V8, engine and allocator heaps); Linux only',
    labelNames: ['kind'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const resident = await readResidentMemory();
      if (resident === undefined) return;
      this.set({ kind: 'file' }, resident.fileBytes);
      this.set({ kind: 'anonymous' }, resident.anonymousBytes);
    },
  });
  if (engineMemory === undefined) return;
  let reading: Promise<EngineMemory | undefined> | undefined;
  // The query of an earlier scrape that gave up and is still queued: no second one behind it.
  let queued: Promise<unknown> | undefined;
  // The engine gauges share one query per scrape. The embedded engine runs
  // statements one at a time, so a scrape behind a long one gives up rather than wait.
  const read = (): Promise<EngineMemory | undefined> => {
    reading ??= new Promise<EngineMemory | undefined>((resolve) => {
      if (queued !== undefined) return resolve(undefined);
      const timer = setTimeout(() => resolve(undefined), ENGINE_MEMORY_TIMEOUT_MILLIS);
      timer.unref();
      const query = engineMemory();
      queued = query;
      query.then(resolve, () => resolve(undefined)).finally(() => {
        clearTimeout(timer);
        queued = undefined;
      });
    }).finally(() => setImmediate(() => (reading = undefined)));
    return reading;
  };
  const engineGauge = (name: string, help: string, pick: (memory: EngineMemory) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const memory = await read();
        // Unknown this scrape (the engine did not answer): NaN, not a 0 that reads as a value.
        this.set(memory === undefined ? Number.NaN : pick(memory));
      },
    });
  };
  engineGauge('xray_engine_memory_tracked_bytes', 'Memory the embedded ClickHouse engine holds now, by its own account (MemoryTracking); part of the anonymous resident memory', (m) => m.trackedBytes);
  engineGauge('xray_engine_merges', 'Merges of parts the embedded engine is running', (m) => m.merges);
  engineGauge('xray_engine_merge_memory_bytes', 'Memory the embedded engine\'s running merges hold', (m) => m.mergeBytes);
  new Gauge({
    name: 'xray_engine_allocator_bytes',
    help: 'The embedded engine\'s memory allocator (jemalloc): allocated (held by the engine), resident (its pages in RAM, part of the anonymous resident memory) and dirty (freed by the engine, returned to the OS within the allocator\'s decay time, JE_MALLOC_CONF dirty_decay_ms)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const memory = await read();
      // No series for an engine built without the allocator's statistics; NaN when the engine did not answer.
      if (memory !== undefined && memory.allocator === undefined) return;
      const allocator = memory?.allocator;
      this.set({ state: 'allocated' }, allocator?.allocatedBytes ?? Number.NaN);
      this.set({ state: 'resident' }, allocator?.residentBytes ?? Number.NaN);
      this.set({ state: 'dirty' }, allocator?.dirtyBytes ?? Number.NaN);
    },
  });
}
