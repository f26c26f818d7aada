/**
 * Versioned SQL migrations from clickhouse/migrations/NNNN_name.sql, applied
 * in order and recorded in `xray_schema_migrations`. Every statement is
 * written to be idempotent (IF NOT EXISTS), so a crash between a statement and
 * its record is repaired by the next start. An applied migration whose file
 * changed afterwards stops start-up: silently diverging schemas are worse than
 * a clear error.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseBackend } from './backend.js';
import { planClusterLayout, renderForCluster } from './cluster-ddl.js';
import type { ClusterLayout } from './cluster-ddl.js';

export interface Migration {
  version: number;
  name: string;
  checksum: string;
  statements: string[];
}

export interface MigrationReport {
  applied: number[];
  alreadyApplied: number[];
}

const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;

const LEDGER_DDL = `CREATE TABLE IF NOT EXISTS xray_schema_migrations
(
    version    UInt32,
    name       String,
    checksum   String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(applied_at)
ORDER BY version`;

/** Splits a migration file into statements: each ends with `;` at the end of a line. Comment lines are dropped. */
export function splitStatements(sql: string): string[] {
  const withoutComments = sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n');
  return withoutComments
    .split(/;[ \t]*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

/** Reads and orders the migration files of `dir`. */
export function loadMigrations(dir: string): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    const match = FILE_PATTERN.exec(file);
    if (!match) continue;
    const sql = readFileSync(join(dir, file), 'utf8');
    migrations.push({
      version: Number(match[1]),
      name: match[2],
      checksum: createHash('sha256').update(sql).digest('hex'),
      statements: splitStatements(sql),
    });
  }
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i].version === migrations[i - 1].version) {
      throw new Error(`Two migrations share version ${migrations[i].version} in ${dir}`);
    }
  }
  return migrations;
}

export interface ApplyMigrationsOptions {
  /** Render every statement for this ClickHouse cluster (ON CLUSTER, Replicated engines, Distributed tables). */
  cluster?: string;
}

/** The cluster layout of a set of migrations (and the ledger), for cluster mode. */
export function clusterLayoutOf(migrations: readonly Migration[]): ClusterLayout {
  return planClusterLayout([LEDGER_DDL, ...migrations.flatMap((migration) => migration.statements)]);
}

/**
 * The statements a migration runs: as written, or rendered for a cluster.
 *
 * @example
 * statementsFor(migration, { cluster: 'xray' }, clusterLayoutOf(all)); // ON CLUSTER xray ...
 */
export function statementsFor(statements: readonly string[], options: ApplyMigrationsOptions, layout: ClusterLayout): string[] {
  const { cluster } = options;
  return cluster === undefined ? [...statements] : statements.flatMap((statement) => renderForCluster(statement, layout, { cluster }));
}

/** Applies every migration not yet recorded, in version order. */
export async function applyMigrations(
  backend: ClickHouseBackend,
  migrations: readonly Migration[],
  options: ApplyMigrationsOptions = {},
): Promise<MigrationReport> {
  const layout = clusterLayoutOf(migrations);
  for (const statement of statementsFor([LEDGER_DDL], options, layout)) await backend.command(statement);
  const recorded = await backend.query<{ version: number; checksum: string }>(
    'SELECT version, argMax(checksum, applied_at) AS checksum FROM xray_schema_migrations GROUP BY version',
  );
  const checksums = new Map(recorded.map((row) => [Number(row.version), row.checksum]));
  const report: MigrationReport = { applied: [], alreadyApplied: [] };
  for (const migration of migrations) {
    const known = checksums.get(migration.version);
    if (known !== undefined) {
      if (known !== migration.checksum) {
        throw new Error(
          `Migration ${migration.version}_${migration.name} was changed after it was applied; ` +
            'add a new migration instead of editing an applied one',
        );
      }
      report.alreadyApplied.push(migration.version);
      continue;
    }
    for (const statement of statementsFor(migration.statements, options, layout)) await backend.command(statement);
    await backend.insert('xray_schema_migrations', [
      { version: migration.version, name: migration.name, checksum: migration.checksum },
    ]);
    report.applied.push(migration.version);
  }
  return report;
}
