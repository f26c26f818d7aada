/**
 * Cluster mode (CLICKHOUSE_CLUSTER): the same migrations, rendered for a
 * sharded and replicated ClickHouse cluster, so the schema has one source.
 *
 * Every table is classified once, from the migrations themselves:
 *   - sharded: a MergeTree table with an `execution_id` column (executions,
 *     steps, ...). It becomes `<name>_local` (Replicated*MergeTree, one Keeper
 *     path per shard) plus `<name>`, a Distributed table over it sharded by
 *     cityHash64(execution_id): an execution and all of its steps live on one
 *     shard, so a timeline is a single-shard read and FINAL / LIMIT 1 BY stay
 *     correct per shard.
 *   - rollup: the target of a materialized view (pipeline_stats_1m, ...). The
 *     view runs on each shard's local inserts and writes the shard's local
 *     rollup; `<name>` is a Distributed table that merges the shards' states
 *     at read time. A rollup keyed by execution id (execution_days) is
 *     sharded like the executions it indexes, so a backfill through the
 *     Distributed table lands each row on its execution's shard.
 *   - global: every other table (apps, api_keys, settings). Small, read on
 *     every request, so each node holds a full replica: one Keeper path for
 *     the whole cluster and no Distributed table.
 * Queries keep their table names: they read `<name>`, which is the
 * Distributed table in cluster mode and the table itself otherwise.
 *
 * The renderer works on the statement shapes our migrations use (CREATE
 * TABLE / MATERIALIZED VIEW / VIEW, ALTER TABLE, DROP, and a backfill
 * `INSERT INTO … SELECT`, which runs once, unchanged: it reads and writes
 * through the Distributed tables, so no ON CLUSTER) and refuses anything
 * else with a message, so a new migration that it cannot render fails its
 * test rather than a production start. Its output is checked with
 * ClickHouse's own parser by collector/test/unit/store/cluster-ddl.test.ts.
 */
import { PLAIN_IDENTIFIER } from './sql.js';

export interface ClusterDdlOptions {
  /** The cluster name from the servers' `remote_servers`. */
  cluster: string;
}

export type TableKind = 'sharded' | 'rollup' | 'global';

export interface ClusterLayout {
  /** Kind of every MergeTree-family table the migrations create. */
  readonly tables: ReadonlyMap<string, TableKind>;
  /** Tables with an `execution_id` column: sharded by it. */
  readonly byExecutionId: ReadonlySet<string>;
}

/** The suffix of the per-shard tables behind a Distributed table. */
export const LOCAL_SUFFIX = '_local';

const CREATE_TABLE = /^CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?(\w+)\s*\(/i;
const CREATE_MV = /^CREATE\s+MATERIALIZED\s+VIEW\s+(IF\s+NOT\s+EXISTS\s+)?(\w+)\s+TO\s+(\w+)\s+AS\s+([\s\S]+)$/i;
const CREATE_VIEW = /^CREATE\s+(OR\s+REPLACE\s+)?VIEW\s+(IF\s+NOT\s+EXISTS\s+)?(\w+)\s+AS\s+([\s\S]+)$/i;
const ALTER_TABLE = /^ALTER\s+TABLE\s+(\w+)\s+([\s\S]+)$/i;
const DROP = /^DROP\s+(TABLE|VIEW)\s+(IF\s+EXISTS\s+)?(\w+)\s*(SYNC)?$/i;
const INSERT_SELECT = /^INSERT\s+INTO\s+(\w+)\s*(\([^)]*\)\s*)?SELECT\b/i;
const ENGINE = /ENGINE\s*=\s*(\w*)MergeTree\b(\s*\(([^()]*)\))?/i;
// Column commands a Distributed table must follow; everything else (indexes,
// projections, TTL, settings, mutations) concerns only the stored data.
const COLUMN_COMMAND = /^(ADD|DROP|MODIFY|RENAME|COMMENT|CLEAR)\s+COLUMN\b/i;

/** Thrown for a statement cluster mode cannot render. */
export class ClusterDdlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClusterDdlError';
  }
}

/** Splits `text` at top-level commas (outside brackets and quotes). */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"' || char === '`') quote = char;
    else if (char === '(' || char === '[') depth++;
    else if (char === ')' || char === ']') depth--;
    else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((part) => part.length > 0);
}

/** The text between the parenthesis opening at `open` and its match. */
function bracketed(text: string, open: number): { inner: string; end: number } {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"' || char === '`') quote = char;
    else if (char === '(') depth++;
    else if (char === ')' && --depth === 0) return { inner: text.slice(open + 1, i), end: i };
  }
  throw new ClusterDdlError(`unbalanced parentheses in: ${text.slice(0, 80)}`);
}

function hasColumn(columnList: string, column: string): boolean {
  return splitTopLevel(columnList).some((definition) => definition.split(/\s+/)[0] === column);
}

/**
 * Classifies the tables of every migration (all statements, in order):
 * which are sharded, rollups or global.
 *
 * @example
 * const layout = planClusterLayout(migrations.flatMap((m) => m.statements));
 * layout.tables.get('steps'); // 'sharded'
 */
export function planClusterLayout(statements: readonly string[]): ClusterLayout {
  const rollupTargets = new Set<string>();
  for (const statement of statements) {
    const mv = CREATE_MV.exec(statement.trim());
    if (mv) rollupTargets.add(mv[3]);
  }
  const tables = new Map<string, TableKind>();
  const byExecutionId = new Set<string>();
  for (const statement of statements) {
    const create = CREATE_TABLE.exec(statement.trim());
    if (!create || !ENGINE.test(statement)) continue;
    const name = create[2];
    const columns = bracketed(statement.trim(), create[0].length - 1).inner;
    const keyed = hasColumn(columns, 'execution_id');
    if (keyed) byExecutionId.add(name);
    tables.set(name, rollupTargets.has(name) ? 'rollup' : keyed ? 'sharded' : 'global');
  }
  return { tables, byExecutionId };
}

function replicatedEngine(statement: string, keeperPath: string): string {
  return statement.replace(ENGINE, (_whole, family: string, _parens: string | undefined, args: string | undefined) => {
    const replicationArgs = `'${keeperPath}', '{replica}'`;
    const rest = args?.trim() ? `, ${args.trim()}` : '';
    return `ENGINE = Replicated${family}MergeTree(${replicationArgs}${rest})`;
  });
}

function onCluster(name: string, cluster: string): string {
  return `${name} ON CLUSTER ${cluster}`;
}

/** Replaces the table names after FROM / JOIN that cluster mode moved to `_local`. */
function toLocalSources(select: string, layout: ClusterLayout): string {
  return select.replace(/\b(FROM|JOIN)(\s+)(\w+)\b/gi, (whole, keyword: string, space: string, table: string) =>
    layout.tables.has(table) && layout.tables.get(table) !== 'global' ? `${keyword}${space}${table}${LOCAL_SUFFIX}` : whole,
  );
}

function renderCreateTable(statement: string, match: RegExpExecArray, layout: ClusterLayout, cluster: string): string[] {
  const ifNotExists = match[1] ? 'IF NOT EXISTS ' : '';
  const name = match[2];
  const kind = layout.tables.get(name);
  const afterName = statement.slice(match[0].length - 1);
  if (kind === undefined) {
    // Not a MergeTree table (Memory, Null, ...): the same table on every node.
    return [`CREATE TABLE ${ifNotExists}${onCluster(name, cluster)} ${afterName}`];
  }
  if (kind === 'global') {
    const body = replicatedEngine(afterName, `/clickhouse/tables/global/{database}/${name}`);
    return [`CREATE TABLE ${ifNotExists}${onCluster(name, cluster)} ${body}`];
  }
  const local = `${name}${LOCAL_SUFFIX}`;
  const body = replicatedEngine(afterName, `/clickhouse/tables/{shard}/{database}/${local}`);
  const shardingKey = layout.byExecutionId.has(name) ? 'cityHash64(execution_id)' : 'rand()';
  return [
    `CREATE TABLE ${ifNotExists}${onCluster(local, cluster)} ${body}`,
    `CREATE TABLE ${ifNotExists}${onCluster(name, cluster)} AS ${local} ENGINE = Distributed(${cluster}, currentDatabase(), ${local}, ${shardingKey})`,
  ];
}

function renderAlter(name: string, commands: string, layout: ClusterLayout, cluster: string): string[] {
  const kind = layout.tables.get(name);
  if (kind === undefined || kind === 'global') return [`ALTER TABLE ${onCluster(name, cluster)} ${commands}`];
  const statements = [`ALTER TABLE ${onCluster(`${name}${LOCAL_SUFFIX}`, cluster)} ${commands}`];
  const columnCommands = splitTopLevel(commands).filter((command) => COLUMN_COMMAND.test(command));
  if (columnCommands.length > 0) statements.push(`ALTER TABLE ${onCluster(name, cluster)} ${columnCommands.join(', ')}`);
  return statements;
}

/**
 * Renders one migration statement for cluster mode: one or more statements,
 * each `ON CLUSTER`, with Replicated engines and Distributed tables.
 *
 * @example
 * renderForCluster('ALTER TABLE steps ADD COLUMN x String', layout, { cluster: 'xray' });
 * // ['ALTER TABLE steps_local ON CLUSTER xray ADD COLUMN x String', 'ALTER TABLE steps ON CLUSTER xray ADD COLUMN x String']
 */
export function renderForCluster(statement: string, layout: ClusterLayout, options: ClusterDdlOptions): string[] {
  const { cluster } = options;
  if (!PLAIN_IDENTIFIER.test(cluster)) throw new ClusterDdlError(`cluster name ${JSON.stringify(cluster)} is not an identifier`);
  const text = statement.trim();

  const create = CREATE_TABLE.exec(text);
  if (create) return renderCreateTable(text, create, layout, cluster);

  const mv = CREATE_MV.exec(text);
  if (mv) {
    const [, ifNotExists, name, target, select] = mv;
    const targetKind = layout.tables.get(target);
    const localTarget = targetKind && targetKind !== 'global' ? `${target}${LOCAL_SUFFIX}` : target;
    return [`CREATE MATERIALIZED VIEW ${ifNotExists ?? ''}${onCluster(name, cluster)} TO ${localTarget} AS ${toLocalSources(select, layout)}`];
  }
  if (/^CREATE\s+MATERIALIZED\s+VIEW\b/i.test(text)) {
    throw new ClusterDdlError(`cluster mode needs materialized views with TO <table>: ${text.slice(0, 80)}`);
  }

  const view = CREATE_VIEW.exec(text);
  if (view) {
    // A plain view reads the Distributed tables, like every query.
    const [, orReplace, ifNotExists, name, select] = view;
    return [`CREATE ${orReplace ?? ''}VIEW ${ifNotExists ?? ''}${onCluster(name, cluster)} AS ${select}`];
  }

  const alter = ALTER_TABLE.exec(text);
  if (alter) return renderAlter(alter[1], alter[2], layout, cluster);

  const drop = DROP.exec(text);
  if (drop) {
    const [, what, ifExists, name, sync] = drop;
    const suffix = sync ? ' SYNC' : '';
    const dropped = [`DROP ${what.toUpperCase()} ${ifExists ?? ''}${onCluster(name, cluster)}${suffix}`];
    const kind = layout.tables.get(name);
    if (kind === 'sharded' || kind === 'rollup') dropped.push(`DROP TABLE ${ifExists ?? ''}${onCluster(`${name}${LOCAL_SUFFIX}`, cluster)}${suffix}`);
    return dropped;
  }

  if (INSERT_SELECT.test(text)) return [text];

  throw new ClusterDdlError(`cluster mode cannot render this statement; add a case to store/cluster-ddl.ts: ${text.slice(0, 80)}`);
}

/**
 * The table that holds a table's rows on each node: `<name>_local` for a
 * sharded or rollup table in cluster mode, the table itself otherwise. Used
 * by DDL that must reach the stored data (retention TTLs).
 */
export function storageTable(name: string, layout: ClusterLayout | undefined): string {
  const kind = layout?.tables.get(name);
  return kind === 'sharded' || kind === 'rollup' ? `${name}${LOCAL_SUFFIX}` : name;
}
