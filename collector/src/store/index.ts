/**
 * The ClickHouse store: one backend (embedded chDB or a server), the
 * migrations, and the repositories and ingest batcher built on it.
 */
import { createAppsRepository } from './apps.js';
import type { AppsRepository } from './apps.js';
import type { ClickHouseBackend } from './backend.js';
import { createExecutionsRepository } from './executions.js';
import type { ExecutionsRepository } from './executions.js';
import { createStatsRepository } from './stats.js';
import type { StatsRepository } from './stats.js';
import { createInsertBatcher } from './insert-batcher.js';
import type { InsertBatcher, InsertBatcherOptions } from './insert-batcher.js';
import { applyMigrations, loadMigrations } from './migrations.js';
import { applyRetention } from './retention.js';
import type { MigrationReport } from './migrations.js';
import { createServerBackend } from './server-backend.js';
import type { ServerBackendOptions } from './server-backend.js';

export type { ClickHouseBackend, QueryParams, QueryOptions } from './backend.js';
export { ClickHouseError } from './backend.js';
export type { AppRecord, ApiKeyRecord, AppsRepository } from './apps.js';
export type {
  Cursor,
  ExecutionFilter,
  ExecutionRecord,
  ExecutionsRepository,
  StepFilter,
  StepRecord,
  TimeRange,
} from './executions.js';
export type { Catalog, DurationPoint, FailureRatePoint, StatsFilter, StatsRepository, StepFailures, Summary } from './stats.js';
export type { FlushInfo, InsertBatcher, InsertBatcherOptions } from './insert-batcher.js';
export { OverloadedError } from './insert-batcher.js';
export type { MigrationReport } from './migrations.js';
export { readRetentionDays } from './retention.js';

export type BackendOptions =
  | { kind: 'embedded'; dataDir: string }
  | ({ kind: 'server' } & ServerBackendOptions);

export interface StoreOptions {
  backend: BackendOptions | ClickHouseBackend;
  migrationsDir: string;
  batch: InsertBatcherOptions;
  /** Days raw executions and steps are kept; the migrations' 30 days when unset. */
  retentionDays?: number;
}

export interface Store {
  readonly backend: ClickHouseBackend;
  readonly apps: AppsRepository;
  readonly executions: ExecutionsRepository;
  readonly stats: StatsRepository;
  readonly batcher: InsertBatcher;
  readonly migrations: MigrationReport;
  /** Writes what is waiting, then closes the backend. */
  close(): Promise<void>;
}

/**
 * Opens the configured backend. chDB (and its ~550 MB engine) is loaded only
 * when the embedded backend is chosen, so a deployment that talks to a
 * ClickHouse server can omit it.
 */
export async function createBackend(options: BackendOptions): Promise<ClickHouseBackend> {
  if (options.kind === 'server') return createServerBackend(options);
  const { createEmbeddedBackend } = await import('./chdb-backend.js');
  return createEmbeddedBackend(options);
}

/** Opens the backend, applies pending migrations and wires the repositories. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const backend = 'query' in options.backend ? options.backend : await createBackend(options.backend);
  const migrations = await applyMigrations(backend, loadMigrations(options.migrationsDir));
  if (options.retentionDays !== undefined) await applyRetention(backend, options.retentionDays);
  const batcher = createInsertBatcher(backend, options.batch);
  return {
    backend,
    apps: createAppsRepository(backend),
    executions: createExecutionsRepository(backend),
    stats: createStatsRepository(backend, { rawRetentionDays: options.retentionDays }),
    batcher,
    migrations,
    async close() {
      await batcher.drain();
      await backend.close();
    },
  };
}
