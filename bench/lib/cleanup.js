/**
 * Cleanup that runs however the run ends: normally, on an exception, or on
 * Ctrl-C. Temporary data folders are removed and child collectors killed, so
 * a failed run leaves nothing behind in /tmp or in the process table.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** @type {Map<number, () => void>} synchronous cleanups, newest run first */
const cleanups = new Map();
let nextId = 0;

/** Runs every registered cleanup once, newest first; never throws. */
export function runCleanups() {
  const pending = [...cleanups.entries()].reverse();
  cleanups.clear();
  for (const [, fn] of pending) {
    try {
      fn();
    } catch (error) {
      process.stderr.write(`[bench] cleanup failed: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
}

// Installed once, when this module is first imported. 'exit' handlers may
// only do synchronous work, which is why cleanups are synchronous.
process.on('exit', runCleanups);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    process.stderr.write(`[bench] ${signal}: cleaning up\n`);
    runCleanups();
    process.exit(130);
  });
}

/**
 * Registers a synchronous cleanup; returns a function that runs it now and unregisters it.
 *
 * @param {() => void} fn
 * @returns {() => void}
 */
export function onCleanup(fn) {
  const id = nextId++;
  cleanups.set(id, fn);
  return () => {
    if (!cleanups.delete(id)) return;
    fn();
  };
}

/**
 * Creates a temporary folder that is removed at exit (or earlier, with the returned `remove`).
 *
 * @param {string} label part of the folder name, to recognise it in /tmp
 * @param {string} [parent] where to create it (the system's temporary folder when omitted or missing)
 * @returns {{ path: string, remove: () => void }}
 */
export function createTempDir(label, parent) {
  const base = parent && existsSync(parent) ? parent : tmpdir();
  const path = mkdtempSync(join(base, `xray-bench-${label}-`));
  const remove = onCleanup(() => rmSync(path, { recursive: true, force: true }));
  return { path, remove };
}
