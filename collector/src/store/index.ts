/**
 * The ClickHouse store: one backend (embedded chDB or a server), the
 * migrations, and the repositories and ingest batcher built on it.
 */
import { createAppsRepository } from './apps.js';
import type { AppsRepository } from './apps.js';
import { createAppSettingsRepository } from './app-settings.js';
import type { AppSettingsRepository } from './app-settings.js';
import type { ClickHouseBackend } from './backend.js';
import { createSigningSecretsRepository } from './signing-secrets.js';
import type { SigningSecretsRepository } from './signing-secrets.js';
import { createExecutionsRepository } from './executions.js';
import type { ExecutionsRepository } from './executions.js';
import { createStatsRepository } from './stats.js';
import type { StatsRepository } from './stats.js';
import { createInsertBatcher } from './insert-batcher.js';
import type { InsertBatcher, InsertBatcherOptions } from './insert-batcher.js';
import { applyMigrations, clusterLayoutOf, loadMigrations } from './migrations.js';
import type { ClusterLayout } from './cluster-ddl.js';
import { applyRetention, DEFAULT_RETENTION_DAYS, readRetentionDays } from './retention.js';
import type { MigrationReport } from './migrations.js';
import {
  createRollupJob,
  DEFAULT_ROLLUP_INTERVAL_MILLIS,
  DEFAULT_ROLLUP_LAG_MILLIS_EMBEDDED,
  DEFAULT_ROLLUP_LAG_MILLIS_SERVER,
} from './rollups.js';
import type { RollupJob, RollupJobOptions } from './rollups.js';
import { createServerBackend } from './server-backend.js';
import type { EmbeddedBackendOptions } from './chdb-backend.js';
import type { ServerBackendOptions } from './server-backend.js';

export type { ClickHouseBackend, ClickHouseSettings, QueryParams, QueryOptions } from './backend.js';
export { ClickHouseError } from './backend.js';
export type { ActiveKeyRecord, AppRecord, ApiKeyRecord, AppsRepository } from './apps.js';
export type {
  Cursor,
  ExecutionFilter,
  ExecutionRecord,
  ExecutionSummaryRecord,
  ExecutionUsage,
  ExecutionsRepository,
  StepFilter,
  StepRecord,
  TimeRange,
  Timeline,
} from './executions.js';
export { EXECUTION_COLUMNS, EXECUTION_NUMBERS, HAS_USAGE, STEP_COLUMNS, STEP_NUMBERS } from './executions.js';
export { executionFilterConditions } from './execution-filter.js';
export { Conditions, READ_FINAL, READ_FINAL_EXACT, numeric } from './sql.js';
export type { Catalog, DurationPoint, FailureRatePoint, StatsFilter, StatsRepository, StepFailures, Summary } from './stats.js';
export type { AppSettings, AppSettingsRepository, RateLimit } from './app-settings.js';
export type { SigningSecretRecord, SigningSecretsRepository } from './signing-secrets.js';
export type { FlushInfo, InsertBatcher, InsertBatcherOptions } from './insert-batcher.js';
export { OverloadedError } from './insert-batcher.js';
export { UnstorableRowsError } from './insert-errors.js';
export type { MigrationReport } from './migrations.js';
export type { RollupHooks, RollupJob, RollupPass } from './rollups.js';
export { PIPELINE_COUNTS, recountHours, ROLLUPS } from './rollups.js';
export { readRetentionDays } from './retention.js';
export { storageTable } from './cluster-ddl.js';
export type { ClusterLayout } from './cluster-ddl.js';

export type BackendOptions =
  | ({ kind: 'embedded' } & EmbeddedBackendOptions)
  | ({ kind: 'server' } & ServerBackendOptions);

export interface StoreOptions {
  backend: BackendOptions | ClickHouseBackend;
  migrationsDir: string;
  batch: InsertBatcherOptions;
  /** Days raw executions and steps are kept; the migrations' 30 days when unset. */
  retentionDays?: number;
  /** ClickHouse cluster name (CLICKHOUSE_CLUSTER): migrations run ON CLUSTER with Replicated and Distributed tables. */
  cluster?: string;
  /** The rollup job (rollups.ts); its passes start with `store.rollups.start()`. */
  rollups?: Partial<Pick<RollupJobOptions, 'intervalMillis' | 'lagMillis'>>;
}

export interface Store {
  readonly backend: ClickHouseBackend;
  readonly apps: AppsRepository;
  readonly executions: ExecutionsRepository;
  readonly stats: StatsRepository;
  /** Per-app security settings: signatures required, rate limits. */
  readonly appSettings: AppSettingsRepository;
  /** The apps' signing secrets, sealed. */
  readonly signingSecrets: SigningSecretsRepository;
  readonly batcher: InsertBatcher;
  /** Folds stored rows into the rollups, off the insert path (migration 0170). */
  readonly rollups: RollupJob;
  readonly migrations: MigrationReport;
  /** Days raw executions and steps are kept: the configured retention, else the TTL in force. */
  readonly retentionDays: number;
  /** Cluster mode (CLICKHOUSE_CLUSTER): the cluster name and where each table's rows live; undefined otherwise. */
  readonly cluster: { cluster: string; layout: ClusterLayout } | undefined;
  /** Writes what is waiting, stops the rollup job, then closes the backend. */
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
  const all = loadMigrations(options.migrationsDir);
  const migrations = await applyMigrations(backend, all, { cluster: options.cluster });
  const cluster = options.cluster === undefined ? undefined : { cluster: options.cluster, layout: clusterLayoutOf(all) };
  if (options.retentionDays !== undefined) await applyRetention(backend, options.retentionDays, cluster);
  const retentionDays = options.retentionDays ?? (await readRetentionDays(backend, 'executions', cluster?.layout)) ?? DEFAULT_RETENTION_DAYS;
  const batcher = createInsertBatcher(backend, {
    ...options.batch,
    // A server gathers per-request inserts itself (async inserts), so each
    // request keeps its own deduplicated block at no cost in parts.
    insertPerRequest: options.batch.insertPerRequest ?? backend.kind === 'server',
    // The ingest route announces every accepted request (ingest/traces-route.ts),
    // so rows wait for companions only while some are on their way.
    announcedWrites: options.batch.announcedWrites ?? true,
  });
  const rollups = createRollupJob(backend, {
    intervalMillis: options.rollups?.intervalMillis ?? DEFAULT_ROLLUP_INTERVAL_MILLIS,
    lagMillis: options.rollups?.lagMillis ?? (backend.kind === 'server' ? DEFAULT_ROLLUP_LAG_MILLIS_SERVER : DEFAULT_ROLLUP_LAG_MILLIS_EMBEDDED),
    oldestInsertStart: () => batcher.oldestInsertStart,
    lastInsertEnd: () => batcher.lastInsertEnd,
    soleWriter: backend.kind === 'embedded',
  });
  await rollups.load();
  return {
    backend,
    apps: createAppsRepository(backend),
    executions: createExecutionsRepository(backend),
    stats: createStatsRepository(backend, { rawRetentionDays: options.retentionDays, pendingSince: () => rollups.pendingSince() }),
    appSettings: createAppSettingsRepository(backend),
    signingSecrets: createSigningSecretsRepository(backend),
    batcher,
    rollups,
    migrations,
    retentionDays,
    cluster,
    async close() {
      await batcher.drain();
      await rollups.stop();
      await backend.close();
    },
  };
}
