/**
 * How the collector process is started: `node <COLLECTOR_NODE_FLAGS> collector/dist/main.js`.
 * `npm start` (the root package.json), the Docker image (collector/Dockerfile),
 * the collector test suite's and the benchmarks' child collectors all start it so; a
 * test keeps the start script and the image's CMD in step with this list.
 *
 * `--max-semi-space-size=4`: V8's young generation of every thread (the
 * main one and the decode workers) grows to 3 x 4 MB instead of Node 20's
 * 3 x 16 MB. Ingest allocates fast and briefly (a request's spans and rows
 * die with the request), so the larger nursery mostly holds garbage between
 * scavenges: under sustained maximum ingest it cost ~30 MB of resident
 * memory for no measurable throughput (bench/README.md, `memory`).
 */
export const COLLECTOR_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
