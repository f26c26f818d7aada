/**
 * A minimal keep-alive HTTP client on node:http. Bodies are Buffers built
 * before timing starts, so what the client does while timed is little more
 * than writing bytes to a socket and reading the reply.
 */
import http from 'node:http';

/**
 * @typedef {{ status: number, body: Buffer }} HttpReply
 */

/**
 * Sends one request and reads the whole reply.
 *
 * @param {string} url
 * @param {{ method?: string, headers?: Record<string, string>, body?: Buffer | string, agent?: http.Agent }} options
 * @returns {Promise<HttpReply>}
 */
export function request(url, options = {}) {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body);
    const headers = { ...options.headers };
    if (body) headers['content-length'] = String(body.length);
    const req = http.request(url, { method: options.method ?? 'GET', headers, agent: options.agent }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * POSTs every body once, from `concurrency` clients that each take the next
 * body as soon as their previous request is answered, over keep-alive
 * connections. Resolves when every reply is in, with the wall time from the
 * first byte sent to the last reply read.
 *
 * @param {{ url: string, bodies: readonly Buffer[], concurrency: number, headers: Record<string, string> }} options
 * @returns {Promise<{ wallMillis: number, statuses: Map<number, number>, firstFailure: string | undefined }>}
 */
export async function postConcurrently(options) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  /** @type {Map<number, number>} */
  const statuses = new Map();
  let firstFailure;
  let next = 0;
  const client = async () => {
    while (next < options.bodies.length) {
      const body = options.bodies[next++];
      const reply = await request(options.url, { method: 'POST', headers: options.headers, body, agent });
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      if (reply.status !== 200 && firstFailure === undefined) {
        firstFailure = `HTTP ${reply.status}: ${reply.body.toString('utf8').slice(0, 300)}`;
      }
    }
  };
  try {
    const start = process.hrtime.bigint();
    await Promise.all(Array.from({ length: options.concurrency }, client));
    const wallMillis = Number(process.hrtime.bigint() - start) / 1e6;
    return { wallMillis, statuses, firstFailure };
  } finally {
    agent.destroy();
  }
}
