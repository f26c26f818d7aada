/**
 * GET /api/v1/export against a client that stops reading: the route pulls
 * chunks from the store only as fast as the socket drains, so a slow reader
 * holds a bounded amount in the collector, however large the export. The
 * export here is endless (a repository that never runs out), over a real
 * HTTP socket on 127.0.0.1: a route that buffered ahead of the client would
 * never stop pulling. No timing thresholds: the test waits for states
 * (the response needing a drain, a pull, the source being closed).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterEach, describe, expect, it } from 'vitest';
import { exportRoutes } from '../../src/export/export-routes.js';
import type { ExportChunk, ExportRepository } from '../../src/export/export-repository.js';
import type { ExecutionRecord } from '../../src/store/index.js';

const EXECUTIONS_PER_CHUNK = 50;
/** Makes each chunk ~100 KiB of NDJSON. */
const PADDING = 'x'.repeat(2000);

function execution(n: number): ExecutionRecord {
  return {
    execution_id: `exec-${n}`,
    trace_id: n.toString(16).padStart(32, '0'),
    root_span_id: n.toString(16).padStart(16, '0'),
    pipeline: 'endless',
    environment: 'prod',
    service_name: 'test',
    status: 'completed',
    start_ns: String(1_700_000_000_000_000_000n - BigInt(n) * 1_000_000n),
    end_ns: String(1_700_000_000_000_000_000n - BigInt(n) * 1_000_000n + 1_000_000n),
    duration_ms: 1,
    step_count: 0,
    error_count: 0,
    dropped_steps: 0,
    error_message: '',
    metadata: JSON.stringify({ padding: PADDING }),
    final_outcome: '',
    attributes: {},
  };
}

/** An export that never ends, counting what the route has pulled and whether it let go of it. */
function endlessRepository() {
  const state = { chunksPulled: 0, closed: false, onPull: () => {}, onClose: () => {} };
  const repository: ExportRepository = {
    estimate: async () => ({ executions: Number.MAX_SAFE_INTEGER, steps: 0 }),
    async *chunks(): AsyncGenerator<ExportChunk> {
      try {
        for (let n = 0; ; n += EXECUTIONS_PER_CHUNK) {
          // A turn of the event loop per chunk, as a query would take: a route that kept pulling would not starve the test.
          await new Promise((resolve) => setImmediate(resolve));
          state.chunksPulled++;
          state.onPull();
          yield { executions: Array.from({ length: EXECUTIONS_PER_CHUNK }, (_, i) => execution(n + i)) };
        }
      } finally {
        state.closed = true;
        state.onClose();
      }
    },
  };
  return { repository, state };
}

/** Resolves when `condition` holds, checking after every turn of the event loop. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe('export backpressure', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('stops reading the store while the client does not read, resumes when it does, and lets go when it leaves', async () => {
    const { repository, state } = endlessRepository();
    let response: http.ServerResponse | undefined;
    app = Fastify({ forceCloseConnections: true });
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.decorateRequest('appId', '');
    app.addHook('onRequest', async (request, reply) => {
      request.appId = 'default';
      response = reply.raw;
    });
    await app.register(exportRoutes, { repository, prefix: '/api/v1' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;

    // A client that reads the status line and headers, then nothing.
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/api/v1/export?format=ndjson&from=0' }, resolve).on('error', reject);
    });
    expect(res.statusCode).toBe(200);
    res.pause();

    // The socket fills, the response stops taking data, and the route stops pulling.
    await until(() => response?.writableNeedDrain === true);
    // Give a route that ignored the full socket every chance to pull more: many turns of the event loop.
    const pulledWhenFull = state.chunksPulled;
    for (let turn = 0; turn < 200; turn++) await new Promise((resolve) => setImmediate(resolve));
    // At most the chunk in flight when the socket filled, plus the stream's one buffered chunk.
    expect(state.chunksPulled - pulledWhenFull).toBeLessThanOrEqual(2);
    expect(state.closed).toBe(false);

    // Reading again makes the route pull again.
    const pulledBeforeResume = state.chunksPulled;
    const pulledMore = new Promise<void>((resolve) => (state.onPull = () => state.chunksPulled > pulledBeforeResume + 2 && resolve()));
    res.resume();
    await pulledMore;

    // The client leaves: the route closes its source (no query keeps running for nobody).
    const closed = new Promise<void>((resolve) => (state.onClose = resolve));
    res.destroy();
    await closed;
    expect(state.closed).toBe(true);
  });
});
