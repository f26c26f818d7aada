/** Stops the collector the global setup started. */
import fs from 'fs';
import type { RunningCollector } from './collector';
import { STATE_FILE } from './paths';

export default async function globalTeardown(): Promise<void> {
  const collector = (globalThis as Record<string, unknown>).__xrayCollector as RunningCollector | undefined;
  await collector?.stop();
  fs.rmSync(STATE_FILE, { force: true });
}
