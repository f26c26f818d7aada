/**
 * Retention of raw data, set at start-up from configuration. The migrations
 * create `executions` and `steps` with a 30-day TTL; XRAY_RETENTION_DAYS
 * replaces it. The TTL is changed only when it differs from the one in force
 * (so a restart costs nothing); ClickHouse then re-evaluates it for existing
 * parts in a background mutation, and with daily partitions and
 * `ttl_only_drop_parts` expired days are dropped whole, never rewritten row
 * by row. Rollups keep their own, longer TTL.
 */
import type { ClickHouseBackend } from './backend.js';
import { renderForCluster, storageTable } from './cluster-ddl.js';
import type { ClusterLayout } from './cluster-ddl.js';

/** Cluster mode: TTLs belong to each shard's `_local` tables, changed ON CLUSTER. */
export interface RetentionCluster {
  cluster: string;
  layout: ClusterLayout;
}

/** The TTL the migrations create the raw tables with. */
export const DEFAULT_RETENTION_DAYS = 30;

/** The tables whose rows expire, each by its own start time. */
export const RETAINED_TABLES = ['executions', 'steps'] as const;

/** Sets the TTL of the raw tables to `days` days after each row's start; returns the tables it changed. */
export async function applyRetention(backend: ClickHouseBackend, days: number, cluster?: RetentionCluster): Promise<string[]> {
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`retention must be a whole number of days >= 1, got ${days}`);
  const changed: string[] = [];
  for (const table of RETAINED_TABLES) {
    if ((await readRetentionDays(backend, table, cluster?.layout)) === days) continue;
    // The table name is one of two constants above; the number of days is a bound parameter.
    const statement = `ALTER TABLE ${table} MODIFY TTL toDateTime(start_time) + toIntervalDay({days:UInt32})`;
    const statements = cluster ? renderForCluster(statement, cluster.layout, { cluster: cluster.cluster }) : [statement];
    for (const sql of statements) await backend.command(sql, { days });
    changed.push(table);
  }
  // The business-key index (migration 0130) keeps key values (often personal data): no longer than the rows
  // they point to, and at least as long (a day more, as its rows carry the start's day, not its time).
  if ((await readRetentionDays(backend, INDEX_TABLE, cluster?.layout)) !== days + 1) {
    const statement = `ALTER TABLE ${INDEX_TABLE} MODIFY TTL day + toIntervalDay({days:UInt32})`;
    const statements = cluster ? renderForCluster(statement, cluster.layout, { cluster: cluster.cluster }) : [statement];
    for (const sql of statements) await backend.command(sql, { days: days + 1 });
    changed.push(INDEX_TABLE);
  }
  return changed;
}

/** Rows pointing at executions by day, expiring with them. */
const INDEX_TABLE = 'business_key_index';

/** The retention currently in force for a table, in days, read back from its definition. */
export async function readRetentionDays(
  backend: ClickHouseBackend,
  table: string,
  layout?: ClusterLayout,
): Promise<number | undefined> {
  const rows = await backend.query<{ ttl: string }>(
    'SELECT create_table_query AS ttl FROM system.tables WHERE database = currentDatabase() AND name = {table:String}',
    { table: storageTable(table, layout) },
  );
  const definition = rows[0]?.ttl ?? '';
  const match = /toIntervalDay\((?:_CAST\()?(\d+)/.exec(definition) ?? /INTERVAL (\d+) DAY/.exec(definition);
  return match ? Number(match[1]) : undefined;
}
