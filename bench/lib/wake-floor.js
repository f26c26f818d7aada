/**
 * What one request/response costs on this machine before any server does
 * work: a bare `node:http` server in a child process answering a fixed body
 * the size of a rare-word search's reply, and PostgreSQL answering
 * `SELECT 1`, each timed back-to-back and after 2 ms idle between requests.
 *
 * The timed lines of the `query` section alternate X-Ray and PostgreSQL, so
 * each side's server has been idle for the other's whole request when its
 * own arrives. On a small VM an idle process's wake-up is not free (its
 * virtual CPU halts, and waking it takes the host's scheduler): the "after
 * idle" figures are the floor both sides pay in every interleaved run, which
 * a lab timing one side back-to-back does not see.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { median } from './stats.js';

const IDLE_MILLIS = 2;

if (process.argv[2] === 'wake-floor-server') {
  const body = Buffer.alloc(Number(process.argv[3]), 'x');
  const server = http.createServer((request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(body);
  });
  server.listen(0, '127.0.0.1', () => process.send?.(server.address().port));
  process.on('disconnect', () => process.exit(0));
}

/**
 * @param {{ bodyBytes: number, runs: number, postgres?: (text: string) => Promise<unknown> }} options
 * @returns {Promise<{ label: string, backToBack: number, afterIdle: number }[]>} medians in ms
 */
export async function measureWakeFloor(options) {
  const child = fork(fileURLToPath(import.meta.url), ['wake-floor-server', String(options.bodyBytes)], { stdio: 'ignore' });
  try {
    const port = await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('error', reject);
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = () => new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/', agent }, (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => resolve(Buffer.concat(chunks)));
      }).on('error', reject);
    });
    const timed = async (call, idle) => {
      const millis = [];
      for (let i = 0; i < options.runs; i++) {
        const start = process.hrtime.bigint();
        await call();
        millis.push(Number(process.hrtime.bigint() - start) / 1e6);
        if (idle) await new Promise((resolve) => setTimeout(resolve, IDLE_MILLIS));
      }
      return median(millis);
    };
    const lines = [[`bare node:http server, ${options.bodyBytes.toLocaleString('en-US')}-byte reply (a child process)`, get]];
    if (options.postgres) lines.push(['PostgreSQL: SELECT 1', () => options.postgres('SELECT 1')]);
    const results = [];
    for (const [label, call] of lines) {
      await timed(call, false); // warm-up
      results.push({ label, backToBack: await timed(call, false), afterIdle: await timed(call, true) });
    }
    agent.destroy();
    return results;
  } finally {
    child.kill();
  }
}
