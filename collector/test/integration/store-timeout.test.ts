/**
 * A store that hangs (issue 7, item 6): /readyz still answers, within its
 * one-second ping bound, and ingest answers 503 XRAY_ERR_STORE_TIMEOUT once
 * XRAY_STORE_TIMEOUT_MILLIS has passed, acknowledging nothing. The rows stay
 * queued: when the store thaws they are written, and the sender's retry
 * leaves exactly one copy. Run on both backends; the store is frozen by a
 * wrapper that holds every call to the real backend until it is thawed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseBackend } from '../../src/store/index.js';
import { startCollector } from '../support/collector-harness.js';
import type { BackendKind, Harness } from '../support/collector-harness.js';
import { executionSpans, jsonRequest, postJson } from '../support/otlp-fixtures.js';

// Long enough for a real insert on a busy machine; the frozen one never finishes.
const STORE_TIMEOUT_MILLIS = 3000;

/** Passes every call through to `backend`, except that while frozen calls wait until thawed. */
function createFreezableBackend() {
  let gate: Promise<void> | undefined;
  let open = () => {};
  const held = async () => {
    while (gate) await gate;
  };
  return {
    wrap(backend: ClickHouseBackend): ClickHouseBackend {
      return {
        kind: backend.kind,
        query: async (sql, params, options) => (await held(), backend.query(sql, params, options)),
        command: async (sql, params) => (await held(), backend.command(sql, params)),
        insert: async (table, rows, options) => (await held(), backend.insert(table, rows, options)),
        ping: async () => (await held(), backend.ping()),
        close: () => backend.close(),
      };
    },
    freeze() {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    thaw() {
      gate = undefined;
      open();
    },
  };
}

describe.each<BackendKind>(['embedded', 'server'])('a frozen store (%s backend)', (backend) => {
  const store = createFreezableBackend();
  let harness: Harness;

  beforeAll(async () => {
    harness = await startCollector({ backend, wrapBackend: (real) => store.wrap(real), storeTimeoutMillis: STORE_TIMEOUT_MILLIS });
  });
  afterAll(async () => {
    store.thaw();
    await harness?.close();
  });

  it('answers /readyz 503 instead of hanging, and 200 again once the store answers', async () => {
    store.freeze();
    try {
      const frozen = await fetch(`${harness.url}/readyz`, { signal: AbortSignal.timeout(10_000) });
      expect(frozen.status).toBe(503);
      expect(await frozen.json()).toEqual({ status: 'clickhouse did not answer within 1000 ms' });
    } finally {
      store.thaw();
    }
    expect((await fetch(`${harness.url}/readyz`)).status).toBe(200);
  });

  it('answers ingest 503 XRAY_ERR_STORE_TIMEOUT, keeps the rows queued, and a retry leaves exactly one copy', async () => {
    const before = executionSpans({ pipeline: 'frozen-before', steps: [{ name: 'b1' }] });
    expect((await postJson(harness.url, harness.apiKey, jsonRequest([before.root, ...before.steps]))).status).toBe(200);

    const during = executionSpans({ pipeline: 'frozen-during', steps: [{ name: 'd1' }, { name: 'd2' }] });
    const body = jsonRequest([during.root, ...during.steps]);
    store.freeze();
    let reply: Awaited<ReturnType<typeof postJson>>;
    try {
      reply = await postJson(harness.url, harness.apiKey, body);
      expect(harness.store.batcher.pendingRows).toBe(3); // not acknowledged, not dropped
    } finally {
      store.thaw();
    }
    expect(reply.status).toBe(503);
    expect(reply.headers.get('x-xray-error-code')).toBe('XRAY_ERR_STORE_TIMEOUT');
    expect(reply.headers.get('retry-after')).toBe('2');
    expect(reply.json.message).toContain(`within ${STORE_TIMEOUT_MILLIS} ms`);

    await harness.store.batcher.drain();
    const queued = await harness.sql<{ n: number }>("SELECT count() AS n FROM steps FINAL WHERE pipeline = 'frozen-during'");
    expect(Number(queued[0].n)).toBe(2);

    // The exporter retries the 503; the re-delivered rows read back once.
    expect((await postJson(harness.url, harness.apiKey, body)).status).toBe(200);
    const steps = await harness.sql<{ n: number }>("SELECT count() AS n FROM steps FINAL WHERE pipeline = 'frozen-during'");
    const executions = await harness.sql<{ n: number }>(
      "SELECT count() AS n FROM executions FINAL WHERE pipeline IN ('frozen-before', 'frozen-during')",
    );
    expect(Number(steps[0].n)).toBe(2);
    expect(Number(executions[0].n)).toBe(2);
    // Stored once, not merely read once: the retry carried the queued insert's deduplication token.
    const raw = await harness.sql<{ n: number }>("SELECT count() AS n FROM steps WHERE pipeline = 'frozen-during'");
    expect(Number(raw[0].n)).toBe(2);
  });
});
