/**
 * The SQL of erasure. ClickHouse lightweight deletes (`DELETE FROM ... WHERE`)
 * mask rows at once for every later read (FINAL reads included) and leave the
 * physical cleanup to merges, so nothing is rewritten on the request path.
 * Order matters for a retry after a crash: scores and steps go first, found
 * through the executions they belong to, and the executions last, so running
 * the same deletion again finishes what was left.
 *
 * The rollups hold states per minute and hour (executions) and hour (steps), from
 * which one execution cannot be subtracted: the buckets the deleted rows fell
 * in are deleted and rebuilt from the raw rows that remain.
 *
 * Cluster mode (CLICKHOUSE_CLUSTER): ClickHouse has no lightweight DELETE on
 * a Distributed table, so each delete targets the per-shard `<table>_local`
 * `ON CLUSTER` (the global tables, one Replicated table for the whole
 * cluster, are deleted from once and replicate). A Replicated table refuses
 * a mutation whose WHERE reads another table (non-deterministic), so there
 * the executions' ids are read first, through the Distributed table, and
 * passed as a bound array, in chunks. Counts and the rollup rebuild's
 * INSERT … SELECT go through the Distributed tables, as every query does.
 */
import { PIPELINE_COUNTS, recountHours, ROLLUPS, storageTable } from '../store/index.js';
import type { ClickHouseBackend, ClusterLayout, QueryParams } from '../store/index.js';

/** Which executions of an app to delete: one by id, or all matching every given condition. */
export interface DeletionFilter {
  executionId?: string;
  pipeline?: string;
  fromMillis?: number;
  toMillis?: number;
  /** An execution attribute (`executions.attributes`), e.g. a business key. */
  attribute?: { key: string; value: string };
}

export interface DeletedCounts {
  executions: number;
  steps: number;
  scores: number;
}

export interface AppDeletedCounts extends DeletedCounts {
  keys: number;
}

export interface DeletionRepository {
  /**
   * Deletes the matching executions with their steps and scores. The rollup
   * buckets they fell in are rebuilt unless `keepRollups` (retention keeps
   * statistics longer than raw rows, as the global TTL does).
   */
  deleteExecutions(appId: string, filter: DeletionFilter, options?: { keepRollups?: boolean }): Promise<DeletedCounts>;
  /** Every row of the app in every table: data, rollups, keys, settings, secrets, webhooks and their deliveries, and the app itself. */
  /** `onKeysDeleted` runs as soon as the keys are gone, before the data, so caches stop accepting them at once. */
  deleteApp(appId: string, options?: { onKeysDeleted?: () => void }): Promise<AppDeletedCounts>;
}

export interface DeletionRepositoryOptions {
  /** Cluster mode: the cluster name and the migrations' table layout (store/cluster-ddl.ts). */
  cluster?: { cluster: string; layout: ClusterLayout };
}

/**
 * Most execution ids, and id bytes, bound into one cluster-mode DELETE. An
 * ON CLUSTER statement reaches the other nodes as text with its parameters
 * substituted, and is parsed there under max_query_size (256 KiB by
 * default): chunks stay at half of it.
 */
export const IDS_PER_DELETE = 2_000;
const ID_BYTES_PER_DELETE = 128 * 1024;

/** `ids` in chunks of at most IDS_PER_DELETE ids and about ID_BYTES_PER_DELETE bytes. */
export function idChunks(ids: readonly string[]): string[][] {
  const chunks: string[][] = [];
  let chunk: string[] = [];
  let bytes = 0;
  for (const id of ids) {
    const size = Buffer.byteLength(id) + 4;
    if (chunk.length > 0 && (chunk.length >= IDS_PER_DELETE || bytes + size > ID_BYTES_PER_DELETE)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(id);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** Tables holding an `app_id` column, each erased whole with its app. Constants: never user input. */
const APP_TABLES = [
  'scores',
  'steps',
  'business_key_index',
  'executions',
  'pipeline_stats_1m',
  'pipeline_stats_1h',
  'pipeline_counts_1h',
  'step_stats_1h',
  'app_settings',
  'app_signing_secrets',
  'app_retention',
  'webhooks',
  'webhook_deliveries',
  'api_keys',
  'apps',
] as const;

function executionConditions(appId: string, filter: DeletionFilter): { sql: string; params: QueryParams } {
  const parts = ['app_id = {appId:String}'];
  const params: QueryParams = { appId };
  if (filter.executionId !== undefined) {
    parts.push('execution_id = {executionId:String}');
    params.executionId = filter.executionId;
  }
  if (filter.pipeline !== undefined) {
    parts.push('pipeline = {pipeline:String}');
    params.pipeline = filter.pipeline;
  }
  if (filter.fromMillis !== undefined) {
    parts.push("start_time >= fromUnixTimestamp64Milli({fromMillis:Int64}, 'UTC')");
    params.fromMillis = filter.fromMillis;
  }
  if (filter.toMillis !== undefined) {
    parts.push("start_time < fromUnixTimestamp64Milli({toMillis:Int64}, 'UTC')");
    params.toMillis = filter.toMillis;
  }
  if (filter.attribute !== undefined) {
    parts.push('attributes[{attributeKey:String}] = {attributeValue:String}');
    params.attributeKey = filter.attribute.key;
    params.attributeValue = filter.attribute.value;
  }
  return { sql: parts.join(' AND '), params };
}

/** The rollup rows a deletion rebuilds: the app's, of the touched pipelines, in the touched buckets. */
const REBUILT = 'app_id = {appId:String} AND pipeline IN {pipelines:Array(String)} AND toUnixTimestamp(bucket) IN {buckets:Array(UInt32)}';

const count = async (backend: ClickHouseBackend, sql: string, params: QueryParams): Promise<number> =>
  Number((await backend.query<{ n: string }>(sql, params))[0]?.n ?? 0);

export function createDeletionRepository(backend: ClickHouseBackend, repositoryOptions: DeletionRepositoryOptions = {}): DeletionRepository {
  const cluster = repositoryOptions.cluster;
  /** `DELETE FROM` target: the table, or in cluster mode its per-shard table ON CLUSTER (global tables stay as they are). */
  const deleteFrom = (table: string): string => {
    if (!cluster) return `DELETE FROM ${table}`;
    const stored = storageTable(table, cluster.layout);
    return stored === table ? `DELETE FROM ${table}` : `DELETE FROM ${stored} ON CLUSTER ${cluster.cluster}`;
  };

  /**
   * Deletes `rollup`'s buckets of the app's `pipelines` and rebuilds them from
   * the raw rows that remain, through the rollup's own `_pending_since` view
   * (migration 0170) from the epoch: every stored row, as the rollup job folds it.
   */
  async function rebuildBuckets(rollup: keyof typeof ROLLUPS, buckets: number[], appId: string, pipelines: string[]): Promise<void> {
    if (buckets.length === 0) return;
    const params = { appId, pipelines, buckets };
    await backend.command(`${deleteFrom(rollup)} WHERE ${REBUILT}`, params);
    const columns = ROLLUPS[rollup];
    await backend.command(
      `INSERT INTO ${rollup} (${columns})
SELECT ${columns} FROM ${rollup}_pending_since(since = fromUnixTimestamp64Milli(toInt64(0), 'UTC'))
WHERE ${REBUILT}`,
      params,
    );
  }

  /** Recounts `pipeline_counts_1h` (migration 0200) from the rows left: an hour left with no execution loses its row. */
  async function recountCounts(hours: number[], appId: string, pipelines: string[]): Promise<void> {
    if (hours.length === 0) return;
    await backend.command(`${deleteFrom(PIPELINE_COUNTS)} WHERE ${REBUILT}`, { appId, pipelines, buckets: hours });
    await recountHours(backend, hours.map((hour) => ({ appId, hour })));
  }

  /** Deletes the rollup buckets the given raw rows fall in and rebuilds them from what remains. */
  async function rebuildRollups(appId: string, touched: { minutes: number[]; hours: number[]; pipelines: string[] }): Promise<void> {
    if (touched.pipelines.length === 0) return;
    await rebuildBuckets('pipeline_stats_1m', touched.minutes, appId, touched.pipelines);
    // The hourly executions rollup (migration 0085): the hours of the minutes above.
    const executionHours = [...new Set(touched.minutes.map((minute) => minute - (minute % 3600)))];
    await rebuildBuckets('pipeline_stats_1h', executionHours, appId, touched.pipelines);
    await recountCounts(executionHours, appId, touched.pipelines);
    await rebuildBuckets('step_stats_1h', touched.hours, appId, touched.pipelines);
  }

  return {
    async deleteExecutions(appId, filter, deleteOptions = {}) {
      const where = executionConditions(appId, filter);
      // One execution by id also reaches steps whose root span never arrived.
      const ids =
        filter.executionId !== undefined && Object.keys(filter).length === 1
          ? '{executionId:String}'
          : `(SELECT execution_id FROM executions WHERE ${where.sql})`;
      const params = where.params;
      const owned = `app_id = {appId:String} AND execution_id IN ${ids}`;
      const counts: DeletedCounts = {
        executions: await count(backend, `SELECT toString(uniqExact(execution_id)) AS n FROM executions WHERE ${where.sql}`, params),
        steps: await count(backend, `SELECT toString(uniqExact(execution_id, span_id)) AS n FROM steps WHERE ${owned}`, params),
        scores: await count(backend, `SELECT toString(uniqExact(score_id)) AS n FROM scores WHERE ${owned}`, params),
      };
      if (counts.executions + counts.steps + counts.scores === 0) return counts;
      // Every version of a matched execution goes (one the filter matched, and any other: a root sent
      // again under another pipeline, or without the attribute), with the rollup buckets each counted in.
      const minutes = await backend.query<{ pipeline: string; minute: number }>(
        `SELECT DISTINCT pipeline, toUnixTimestamp(toStartOfMinute(start_time)) AS minute FROM executions WHERE ${owned}`,
        params,
      );
      const otherVersions = await backend.query<{ execution_id: string }>(
        `SELECT DISTINCT execution_id FROM executions WHERE ${owned} AND NOT (${where.sql})`,
        params,
      );
      const hours = await backend.query<{ pipeline: string; hour: number }>(
        `SELECT DISTINCT pipeline, toUnixTimestamp(toStartOfHour(start_time)) AS hour FROM steps WHERE ${owned}`,
        params,
      );
      // Webhook events name the executions they are about (and carry their error messages): erased with them.
      const notified = await backend.query<{ id: string }>(
        `SELECT DISTINCT id FROM webhook_deliveries ARRAY JOIN execution_ids AS id WHERE app_id = {appId:String} AND id IN ${ids}`,
        params,
      );
      if (notified.length > 0) {
        await backend.command(`${deleteFrom('webhook_deliveries')} WHERE app_id = {appId:String} AND hasAny(execution_ids, {notifiedIds:Array(String)})`, {
          ...params,
          notifiedIds: notified.map((row) => row.id),
        });
      }
      if (cluster && ids !== '{executionId:String}') {
        // A mutation on a Replicated table may not read another table: bind the ids instead.
        const found = await backend.query<{ execution_id: string }>(`SELECT DISTINCT execution_id FROM executions WHERE ${where.sql}`, params);
        for (const ids of idChunks(found.map((row) => row.execution_id))) {
          const chunk = { appId, ids };
          await backend.command(`${deleteFrom('scores')} WHERE app_id = {appId:String} AND execution_id IN {ids:Array(String)}`, chunk);
          await backend.command(`${deleteFrom('steps')} WHERE app_id = {appId:String} AND execution_id IN {ids:Array(String)}`, chunk);
          await backend.command(`${deleteFrom('business_key_index')} WHERE app_id = {appId:String} AND execution_id IN {ids:Array(String)}`, chunk);
        }
      } else {
        await backend.command(`${deleteFrom('scores')} WHERE ${owned}`, params);
        await backend.command(`${deleteFrom('steps')} WHERE ${owned}`, params);
        // Its key values (often personal data), before the executions the id subquery reads.
        await backend.command(`${deleteFrom('business_key_index')} WHERE ${owned}`, params);
      }
      for (const ids of idChunks(otherVersions.map((row) => row.execution_id))) {
        await backend.command(`${deleteFrom('executions')} WHERE app_id = {appId:String} AND execution_id IN {ids:Array(String)}`, { appId, ids });
      }
      await backend.command(`${deleteFrom('executions')} WHERE ${where.sql}`, params);
      if (deleteOptions.keepRollups) return counts;
      await rebuildRollups(appId, {
        pipelines: [...new Set([...minutes.map((row) => row.pipeline), ...hours.map((row) => row.pipeline)])],
        minutes: [...new Set(minutes.map((row) => Number(row.minute)))],
        hours: [...new Set(hours.map((row) => Number(row.hour)))],
      });
      return counts;
    },

    async deleteApp(appId, deleteOptions = {}) {
      const params = { appId };
      const counts: AppDeletedCounts = {
        executions: await count(backend, 'SELECT toString(uniqExact(execution_id)) AS n FROM executions WHERE app_id = {appId:String}', params),
        steps: await count(backend, 'SELECT toString(uniqExact(execution_id, span_id)) AS n FROM steps WHERE app_id = {appId:String}', params),
        scores: await count(backend, 'SELECT toString(uniqExact(score_id)) AS n FROM scores WHERE app_id = {appId:String}', params),
        keys: await count(backend, 'SELECT toString(uniqExact(key_hash)) AS n FROM api_keys WHERE app_id = {appId:String}', params),
      };
      // Keys first: from here on nobody can write into the app being erased.
      await backend.command(`${deleteFrom('api_keys')} WHERE app_id = {appId:String}`, params);
      deleteOptions.onKeysDeleted?.();
      for (const table of APP_TABLES.filter((name) => name !== 'api_keys')) {
        await backend.command(`${deleteFrom(table)} WHERE app_id = {appId:String}`, params);
      }
      return counts;
    },
  };
}
