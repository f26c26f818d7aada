/**
 * The file piscina loads in each decode worker (decode-pool.ts), CommonJS on
 * purpose. piscina require()s its worker file first, and on Node 20.19+ a
 * require() of an ES module instantiates the whole module graph
 * synchronously; a worker terminated in the middle of that (the pool closed
 * by a SIGTERM while its workers still load, as a rollout does to a fresh
 * process) ends in a V8 fatal error that aborts the collector instead of
 * letting it exit. From this file decode-worker.js is loaded with import(),
 * whose interruption is an ordinary worker exit.
 */
// Started at once so the first request does not wait for it; a failure is
// kept and reported by every task, as the worker itself cannot be.
const loading = import('./decode-worker.js').then((module) => module.default);
loading.catch(() => {});

async function decodeInWorker(task: Parameters<Awaited<typeof loading>>[0]): Promise<unknown> {
  const decode = await loading;
  return decode(task);
}

export = decodeInWorker;
