/**
 * Seeds the compose stack's collector through OTLP with the browser
 * harness's executions (loan-approval, fraud-check), once per run.
 */
import { seedCollector, type SeedManifest } from '../test/browser/support/seed';

export const COLLECTOR_URL = process.env.XRAY_COLLECTOR_URL ?? 'http://127.0.0.1:4318';
const INGEST_KEY = process.env.XRAY_API_KEY ?? 'xr_local-development-key-change-me';

let seeded: Promise<SeedManifest> | undefined;

export function seedOnce(): Promise<SeedManifest> {
  seeded ??= seedCollector(COLLECTOR_URL, INGEST_KEY, Date.now(), { withBigExecution: false });
  return seeded;
}
