import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditEntry } from '../../../src/audit/audit-writer.js';
import { createAuditWriter } from '../../../src/audit/audit-writer.js';
import type { ClickHouseBackend } from '../../../src/store/index.js';

const entry = (n: number): AuditEntry => ({
  app_id: 'a', time: '2026-01-01 00:00:00.000', request_id: `r${n}`, actor: 'admin', method: 'GET', route: '/x', path: '/x', params: '{}', status: 200, rows: 0, duration_ms: 1,
});

/** A backend that records inserts and can be made to fail or hang (the writer's only dependency). */
function recordingBackend(behaviour: { fail?: boolean; hang?: boolean } = {}) {
  const inserts: object[][] = [];
  const backend = {
    kind: 'embedded',
    insert: async (_table: string, rows: readonly object[]) => {
      if (behaviour.hang) await new Promise(() => {});
      if (behaviour.fail) throw new Error('ClickHouse is down');
      inserts.push([...rows]);
    },
  } as unknown as ClickHouseBackend;
  return { backend, inserts };
}

async function metric(registry: Registry, name: string, reason?: string): Promise<number> {
  const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  return values.filter((value) => reason === undefined || value.labels.reason === reason).reduce((sum, value) => sum + value.value, 0);
}

describe('audit/audit-writer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  describe('createAuditWriter', () => {
    it('writes queued entries in batches on its timer, off the caller', async () => {
      vi.useFakeTimers();
      const registry = new Registry();
      const { backend, inserts } = recordingBackend();
      const writer = createAuditWriter({ backend, registry, maxBatchEntries: 2, flushIntervalMillis: 1_000 });
      for (let n = 0; n < 5; n++) writer.record(entry(n));
      expect(inserts).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(inserts.map((batch) => batch.length)).toEqual([2, 2, 1]);
      expect(await metric(registry, 'xray_audit_recorded_total')).toBe(5);
      await writer.close();
    });

    it('writes only what was queued when a flush began: entries recorded during an insert wait for the next tick', async () => {
      // Under steady reads, draining until the queue was empty ran one tiny insert after another (a part every few ms).
      vi.useFakeTimers();
      const registry = new Registry();
      const inserts: number[] = [];
      const finish: Array<() => void> = [];
      const backend = {
        kind: 'embedded',
        insert: (_table: string, rows: readonly object[]) => {
          inserts.push(rows.length);
          return new Promise<void>((resolve) => finish.push(resolve));
        },
      } as unknown as ClickHouseBackend;
      const writer = createAuditWriter({ backend, registry, flushIntervalMillis: 1_000 });
      for (let n = 0; n < 3; n++) writer.record(entry(n));
      await vi.advanceTimersByTimeAsync(1_000);
      expect(inserts).toEqual([3]);
      for (let n = 3; n < 8; n++) writer.record(entry(n));
      finish.shift()!();
      await vi.advanceTimersByTimeAsync(999);
      expect(inserts).toEqual([3]);
      await vi.advanceTimersByTimeAsync(1);
      expect(inserts).toEqual([3, 5]);
      finish.shift()!();
      await vi.advanceTimersByTimeAsync(0);
      expect(await metric(registry, 'xray_audit_recorded_total')).toBe(8);
      await writer.close();
    });

    it('counts entries being written against its buffer', async () => {
      vi.useFakeTimers();
      const registry = new Registry();
      const { backend, inserts } = recordingBackend({ hang: true });
      const writer = createAuditWriter({ backend, registry, maxBufferedEntries: 4, flushIntervalMillis: 1_000 });
      for (let n = 0; n < 3; n++) writer.record(entry(n));
      await vi.advanceTimersByTimeAsync(1_000);
      for (let n = 3; n < 6; n++) writer.record(entry(n));
      expect(inserts).toHaveLength(0);
      expect(await metric(registry, 'xray_audit_dropped_total', 'buffer_full')).toBe(2);
    });

    it('drops and counts entries beyond its buffer, and never throws to the caller', async () => {
      const registry = new Registry();
      const { backend } = recordingBackend({ hang: true });
      const writer = createAuditWriter({ backend, registry, maxBufferedEntries: 3, flushIntervalMillis: 60_000 });
      for (let n = 0; n < 10; n++) expect(() => writer.record(entry(n))).not.toThrow();
      expect(await metric(registry, 'xray_audit_dropped_total', 'buffer_full')).toBe(7);
    });

    it('drops and counts a batch ClickHouse refused, and keeps going', async () => {
      const registry = new Registry();
      const { backend } = recordingBackend({ fail: true });
      const writer = createAuditWriter({ backend, registry, flushIntervalMillis: 60_000 });
      writer.record(entry(1));
      writer.record(entry(2));
      await writer.flush();
      expect(await metric(registry, 'xray_audit_dropped_total', 'insert_failed')).toBe(2);
      writer.record(entry(3));
      await expect(writer.close()).resolves.toBeUndefined();
      expect(await metric(registry, 'xray_audit_dropped_total', 'insert_failed')).toBe(3);
    });
  });
});
