import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findDataDirHolder, isDataDirLocked } from '../../../src/startup/data-dir-lock.js';

describe('startup/data-dir-lock', () => {
  const dir = mkdtempSync(join(tmpdir(), 'xray-lock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('findDataDirHolder', () => {
    it('reads the process id ClickHouse writes into the status file, when that process is alive and not this one', () => {
      writeFileSync(join(dir, 'status'), 'PID: 4242\nStarted at: 2026-12-02 06:53:01\nRevision: 54513\n');
      expect(findDataDirHolder(dir, (pid) => pid === 4242, 1)).toBe(4242);
      expect(findDataDirHolder(dir, () => false, 1)).toBeUndefined();
      expect(findDataDirHolder(dir, () => true, 4242)).toBeUndefined();
      writeFileSync(join(dir, 'status'), 'garbage');
      expect(findDataDirHolder(dir, () => true, 1)).toBeUndefined();
      expect(findDataDirHolder(join(dir, 'missing'), () => true, 1)).toBeUndefined();
    });
  });

  describe('isDataDirLocked', () => {
    it('tells a held flock from a free one, and cannot tell without a status file', async () => {
      const folder = mkdtempSync(join(dir, 'data-'));
      expect(isDataDirLocked(folder)).toBeUndefined();
      writeFileSync(join(folder, 'status'), 'PID: 1\n');
      expect(isDataDirLocked(folder)).toBe(false);
      // A real holder of the same flock(2) ClickHouse takes.
      const holder = spawn('flock', [join(folder, 'status'), 'sh', '-c', 'echo held; sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
      await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
      try {
        expect(isDataDirLocked(folder)).toBe(true);
      } finally {
        // flock, its shell and the sleep form one process group of their own.
        process.kill(-holder.pid!, 'SIGKILL');
      }
    });
  });
});
