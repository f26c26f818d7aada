/**
 * What admin SQL may be, decided on ClickHouse's own parse of the statement
 * (the `EXPLAIN AST` tree of its canonical form), never on the text:
 *
 *  - exactly one statement: a SELECT (with WITH/UNION/subqueries), an EXPLAIN
 *    of such a SELECT, SHOW TABLES/DATABASES, SHOW CREATE, DESCRIBE, EXISTS;
 *  - no output clause (`INTO OUTFILE … [TRUNCATE|APPEND]`, `FORMAT`): for a
 *    SELECT these are extra children of the statement node;
 *  - no `SETTINGS` anywhere (a `Set` node): the sandbox sets the limits. The
 *    one `Set` allowed is an EXPLAIN's options (`EXPLAIN indexes = 1 SELECT …`):
 *    the parser makes them the Explain node's first child, before the query,
 *    and the engine accepts only its own EXPLAIN options there (`EXPLAIN
 *    readonly = 0 SELECT …` fails with UNKNOWN_SETTING); a query's SETTINGS
 *    land inside the SELECT or after it, and stay refused;
 *  - table functions only from an allow-list of pure generators (numbers,
 *    zeros, generateRandom, values, …): `file`, `url`, `s3`, `remote`,
 *    `mysql`, `executable`, `input`, … reach files, networks, other servers
 *    or programs. A function whose name is any other table function is
 *    refused wherever it appears (so scalar `file()` is refused too), as are
 *    scalar functions that reach outside the query (dictionaries, models,
 *    HTTP headers) or only hold a thread (sleep).
 */
import type { AstLine } from './ast-dump.js';
import { childCountsConsistent, parentsOf } from './ast-dump.js';

/** Table functions that only generate data in memory. */
export const ALLOWED_TABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  'numbers', 'numbers_mt', 'zeros', 'zeros_mt', 'generaterandom', 'generate_series', 'generateseries', 'primes', 'values', 'view',
]);

/**
 * Table functions known to reach outside the database, refused even if the
 * engine's own list (system.table_functions) cannot be read.
 */
export const KNOWN_OUTSIDE_TABLE_FUNCTIONS: readonly string[] = [
  'file', 'filecluster', 'filesystem', 'url', 'urlcluster', 's3', 's3cluster', 'gcs', 'cosn', 'oss', 'hdfs', 'hdfscluster',
  'azureblobstorage', 'azureblobstoragecluster', 'remote', 'remotesecure', 'cluster', 'clusterallreplicas', 'mysql',
  'postgresql', 'mongodb', 'redis', 'sqlite', 'jdbc', 'odbc', 'executable', 'input', 'dictionary', 'iceberg', 'deltalake',
  'hudi', 'merge', 'loop', 'format', 'eval', 'ytsaurus', 'arrowstream', 'paimon', 'prometheusquery', 'viewifpermitted',
];

/** Scalar functions that read outside the query's tables or hold an engine thread. */
const OUTSIDE_SCALAR_FUNCTION = /^(file|dict[a-z]*|joinget[a-z]*|catboostevaluate|naivebayesclassifier|getclienthttpheader|showcertificate|sleep|sleepeachrow|url)$/;

const EXPLAIN_KINDS: ReadonlySet<string> = new Set(['EXPLAIN', 'EXPLAIN AST', 'EXPLAIN SYNTAX', 'EXPLAIN PLAN', 'EXPLAIN PIPELINE', 'EXPLAIN ESTIMATE', 'EXPLAIN QUERY TREE']);

/** Statements other than SELECT/EXPLAIN, whose only children may be names (never a file literal or settings). */
const SHOW_KINDS: ReadonlySet<string> = new Set(['ShowTables', 'ShowCreateTableQuery', 'DescribeQuery', 'ExistsTableQuery']);

export type Verdict = { allowed: true; statement: string } | { allowed: false; reason: string };

const refuse = (reason: string): Verdict => ({ allowed: false, reason });

function functionName(node: AstLine): string {
  return node.detail.split(' ')[0].toLowerCase();
}

/** The node at `index` is an Explain's options: the root's first child, with the explained query after it. */
function isExplainOptions(nodes: readonly AstLine[], index: number): boolean {
  return index === 1 && nodes[0].kind === 'Explain' && nodes[1].depth === 1 && nodes[1].children === 0;
}

/**
 * Decides whether a parsed statement may run in the sandbox.
 *
 * @param tableFunctions every table function the engine knows (lower case); each not allowed is refused
 * @example
 * judgeStatement(parseAstDump(lines), new Set(['file', 'numbers'])) // { allowed: false, reason: 'function file …' }
 */
export function judgeStatement(nodes: readonly AstLine[], tableFunctions: ReadonlySet<string>): Verdict {
  if (!childCountsConsistent(nodes)) return refuse('the statement has an ambiguous shape');
  const parents = parentsOf(nodes);

  // Anywhere in the tree, whatever its shape.
  for (const [index, node] of nodes.entries()) {
    if (node.kind === 'Set' && !isExplainOptions(nodes, index)) return refuse('SETTINGS are not allowed: the sandbox sets read-only and the limits itself');
    if (node.kind !== 'Function') continue;
    const name = functionName(node);
    const isTableFunction = tableFunctions.has(name) || KNOWN_OUTSIDE_TABLE_FUNCTIONS.includes(name);
    const inFrom = nodes[parents[index]]?.kind === 'TableExpression';
    if ((isTableFunction || inFrom) && !ALLOWED_TABLE_FUNCTIONS.has(name)) {
      return refuse(`function ${name}() is not allowed: only ${[...ALLOWED_TABLE_FUNCTIONS].join(', ')} may be used as table functions`);
    }
    if (OUTSIDE_SCALAR_FUNCTION.test(name)) return refuse(`function ${name}() is not allowed: it reaches outside the query's tables`);
  }

  const root = nodes[0];
  const rootChildren = nodes.filter((node) => node.depth === 1);
  if (root.kind === 'SelectWithUnionQuery') {
    // Its one child is the list of SELECTs; INTO OUTFILE and FORMAT are further children.
    return root.children === 1 ? { allowed: true, statement: 'SELECT' } : refuse('INTO OUTFILE and FORMAT are not allowed');
  }
  if (root.kind === 'Explain') {
    if (!EXPLAIN_KINDS.has(root.detail)) return refuse(`${root.detail} is not allowed; EXPLAIN [AST|SYNTAX|PLAN|PIPELINE|ESTIMATE|QUERY TREE] SELECT … is`);
    const queries = rootChildren[0]?.kind === 'Set' ? rootChildren.slice(1) : rootChildren;
    const [inner] = queries;
    if (queries.length !== 1 || inner.kind !== 'SelectWithUnionQuery') return refuse('EXPLAIN is allowed only for one SELECT');
    return inner.children === 1 ? { allowed: true, statement: root.detail } : refuse('INTO OUTFILE and FORMAT are not allowed');
  }
  if (SHOW_KINDS.has(root.kind)) {
    const clause = rootChildren.find((node) => node.kind !== 'Identifier' && node.kind !== 'TableExpression');
    return clause ? refuse('INTO OUTFILE is not allowed') : { allowed: true, statement: root.kind };
  }
  return refuse(`${root.kind} statements are not allowed: send one SELECT, WITH … SELECT, SHOW, DESCRIBE, EXISTS or EXPLAIN`);
}
