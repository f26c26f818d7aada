/**
 * How the collector process is started:
 * `<COLLECTOR_ENV> node <COLLECTOR_NODE_FLAGS> collector/dist/main.js`.
 * `npm start` (the root package.json), the Docker image (collector/Dockerfile),
 * the collector test suite's and the benchmarks' child collectors all start it so; a
 * test keeps the start script and the image in step with these.
 *
 * `--max-semi-space-size=4`: V8's young generation of every thread (the
 * main one and the decode workers) grows to 3 x 4 MB instead of Node 20's
 * 3 x 16 MB. Ingest allocates fast and briefly (a request's spans and rows
 * die with the request), so the larger nursery mostly holds garbage between
 * scavenges: under sustained maximum ingest it cost ~30 MB of resident
 * memory for no measurable throughput (bench/README.md, `memory`).
 */
export const COLLECTOR_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/**
 * The environment the collector starts with; an operator's own value of a
 * variable wins.
 *
 * `MALLOC_MMAP_THRESHOLD_=131072`: glibc's malloc, which Node's buffers come
 * from (the engine has its own jemalloc), gives every block of 128 KiB or
 * more a mapping of its own, returned to the OS when the block is freed. By
 * default glibc raises that threshold to the largest such block freed so far
 * (up to 32 MiB), and from then on request bodies and encoded batches come
 * from its heap, which keeps their pages: under sustained maximum ingest
 * glibc's heap held 34-46 MB against 8 MB idle. Fixed, the RSS peak was
 * ~30 MB lower at the same CPU per stored step (bench/README.md, `memory`).
 * glibc reads it once, when the process starts: it cannot be set from
 * inside. A C library other than glibc ignores it.
 *
 * `JE_MALLOC_CONF=tcache_max:4096`: the embedded engine's jemalloc keeps a
 * cache of freed blocks per thread, and chDB's build caches blocks up to
 * 32 KiB. The engine runs dozens of threads, and under sustained maximum
 * ingest those caches held ~20-30 MB that the allocator counts as allocated
 * and the engine does not (its MemoryTracking). Caching only blocks up to
 * 4 KiB, the allocator held 14-23 MB less at the same CPU per stored step;
 * with no cache at all, ~35 MB less, but the engine's insert took ~15% more
 * CPU (bench/README.md, `memory`). The allocator reads it once, when the
 * engine's library loads. An operator's own `JE_MALLOC_CONF` replaces it
 * whole (store/engine-allocator.ts).
 */
export const COLLECTOR_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072', JE_MALLOC_CONF: 'tcache_max:4096' };
