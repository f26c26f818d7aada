/**
 * Gives dead buffers' memory back promptly. V8 frees an ArrayBuffer's memory
 * (outside its heap: Node's Buffers) only when a garbage collection finds it
 * dead. The main thread allocates few JavaScript objects under ingest, so its
 * young generation fills slowly, while request bodies and the decode
 * workers' encoded batches (hundreds of KB each, handed to it and written to
 * the insert) die by the dozen; V8 collects on their account only once
 * external memory has grown by some 64 MB. Under sustained ingest that was
 * up to 70 MB of dead buffers, resident (they were written), at the top of
 * the collector's RSS (bench/README.md, `memory`).
 *
 * A check every 100 ms reads V8's external memory and, above the limit
 * (`XRAY_GC_EXTERNAL_MB`), runs a minor collection, which frees the dead
 * young buffers; buffers of 128 KiB or more go straight back to the OS
 * (launch.ts). Each is followed by a second at the next check: a dead
 * buffer's memory leaves V8's count only once the next collection finishes
 * the sweep that found it. Under ingest that is two collections in three
 * checks: the buffers in flight alone pass the limit. A collection also
 * needs some growth (`MIN_GROWTH_BYTES`) over what the last pair left: an
 * idle collector holds ~20 MB of live buffers from its start, and would
 * otherwise collect every 100 ms for nothing (a minor collection of the
 * main thread's young generation, at most 3 x 4 MB, took 0.14 ms at the
 * median and 1.8 at p90 with 300,000 objects kept). A rule on growth alone
 * (a collection once external memory grew by the limit over its lowest
 * reading) measured no better than none (bench/README.md, `memory`).
 *
 * The collection is V8's own, reached the documented way for a process
 * started without `--expose-gc` (the flag set at run time, the function
 * taken from a new context).
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Counter, type Registry } from 'prom-client';

/** How often external memory is read. */
export const RECLAIM_CHECK_MILLIS = 100;
/** Growth over what the last collection left that a collection needs. */
export const MIN_GROWTH_BYTES = 2 * 1024 * 1024;

/** V8's collection function, as `--expose-gc` exposes it. */
type Collect = (options?: { type: 'minor' | 'major'; execution?: 'sync' | 'async' }) => void;

export interface BufferReclaimerOptions {
  /** External memory above which a collection runs, bytes. */
  limitBytes: number;
  /** Where `xray_buffer_reclaims_total` is registered; none when undefined. */
  registry?: Registry;
  /** Reads external memory (tests); V8's heap statistics by default. */
  externalBytes?: () => number;
  /** Runs a minor collection (tests); V8's by default. */
  collect?: () => void;
  checkMillis?: number;
}

export interface BufferReclaimer {
  /** Collections run so far. */
  readonly collections: number;
  stop(): void;
}

let v8Collect: Collect | undefined;

/** V8's gc(), exposed once for this process. */
function exposedCollect(): Collect {
  if (!v8Collect) {
    setFlagsFromString('--expose-gc');
    v8Collect = runInNewContext('gc') as Collect;
  }
  return v8Collect;
}

/**
 * Starts the check (its timer does not keep the process alive).
 *
 * @example
 * const reclaimer = startBufferReclaimer({ limitBytes: 16 * 1024 * 1024, registry: metrics.registry });
 * reclaimer.stop();
 */
export function startBufferReclaimer(options: BufferReclaimerOptions): BufferReclaimer {
  const externalBytes = options.externalBytes ?? (() => getHeapStatistics().external_memory);
  const collect = options.collect ?? (() => exposedCollect()({ type: 'minor' }));
  const counter = options.registry
    ? new Counter({
        name: 'xray_buffer_reclaims_total',
        help: 'Minor garbage collections run because V8 external memory (buffers) passed XRAY_GC_EXTERNAL_MB',
        registers: [options.registry],
      })
    : undefined;
  let collections = 0;
  const run = (): void => {
    collect();
    collections += 1;
    counter?.inc();
  };
  // What the last collection left: the reading at the check after the one that confirmed it.
  let left = 0;
  // A dead buffer's memory is freed, and leaves V8's count, only once the next collection finishes the
  // sweep the one that found it began: so each collection is followed by a second at the next check.
  let phase: 'watch' | 'confirm' | 'settle' = 'watch';
  const timer = setInterval(() => {
    const external = externalBytes();
    if (phase === 'confirm') {
      run();
      phase = 'settle';
      return;
    }
    if (phase === 'settle') {
      left = external;
      phase = 'watch';
    }
    if (external <= options.limitBytes || external <= left + MIN_GROWTH_BYTES) return;
    run();
    phase = 'confirm';
  }, options.checkMillis ?? RECLAIM_CHECK_MILLIS);
  timer.unref();
  return {
    get collections() {
      return collections;
    },
    stop: () => clearInterval(timer),
  };
}
