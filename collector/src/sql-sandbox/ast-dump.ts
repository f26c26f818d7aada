/**
 * Reads the text tree ClickHouse prints for `EXPLAIN AST` into nodes. One
 * line per node, indented one space per level, the node kind first:
 *
 *   SelectWithUnionQuery (children 1)
 *    ExpressionList (children 1)
 *     SelectQuery (children 2)
 *      Function file (children 1)
 *
 * ClickHouse prints identifiers and aliases raw, so a quoted identifier
 * holding a newline could print lines of its own; the sandbox refuses such
 * identifiers before it asks for the dump (see parse.ts), and this reader
 * refuses any line that is not shaped like a node.
 */

export interface AstLine {
  /** Nesting level (0 = the statement). */
  depth: number;
  /** Node kind as ClickHouse names it: `SelectQuery`, `Function`, `Set`, `Literal`, … */
  kind: string;
  /** What follows the kind, e.g. the function name for `Function`, `EXPLAIN PLAN` for `Explain`. */
  detail: string;
  /** The `(children N)` count ClickHouse printed, 0 when absent. */
  children: number;
}

const LINE = /^( *)([A-Za-z][A-Za-z0-9_]*)(.*)$/;
const CHILDREN = /\s*\(children (\d+)\)$/;

/** Thrown when a dump line is not shaped like a node. */
export class AstDumpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AstDumpError';
  }
}

/**
 * Parses `EXPLAIN AST` output lines.
 *
 * @example
 * parseAstDump(['SelectWithUnionQuery (children 1)', ' ExpressionList'])
 * // [{ depth: 0, kind: 'SelectWithUnionQuery', detail: '', children: 1 }, { depth: 1, kind: 'ExpressionList', … }]
 */
export function parseAstDump(lines: readonly string[]): AstLine[] {
  const nodes: AstLine[] = [];
  for (const line of lines) {
    const match = LINE.exec(line);
    if (!match) throw new AstDumpError(`unexpected AST line ${JSON.stringify(line)}`);
    const depth = match[1].length;
    const previous = nodes.at(-1);
    if (previous ? depth > previous.depth + 1 : depth !== 0) throw new AstDumpError(`unexpected AST nesting at ${JSON.stringify(line)}`);
    let detail = match[3];
    let children = 0;
    const count = CHILDREN.exec(detail);
    if (count) {
      children = Number(count[1]);
      detail = detail.slice(0, count.index);
    }
    nodes.push({ depth, kind: match[2], detail: detail.trim(), children });
  }
  if (nodes.length === 0) throw new AstDumpError('empty AST');
  if (nodes.filter((node) => node.depth === 0).length !== 1) throw new AstDumpError('more than one statement in the AST');
  return nodes;
}

/** Index of each node's parent (-1 for the root). */
export function parentsOf(nodes: readonly AstLine[]): number[] {
  const stack: number[] = [];
  return nodes.map((node, index) => {
    stack.length = node.depth;
    const parent = node.depth === 0 ? -1 : stack[node.depth - 1];
    stack[node.depth] = index;
    return parent;
  });
}

/** Checks each node has exactly the number of children ClickHouse said it has. */
export function childCountsConsistent(nodes: readonly AstLine[]): boolean {
  const parents = parentsOf(nodes);
  const counted = new Array<number>(nodes.length).fill(0);
  for (const parent of parents) if (parent >= 0) counted[parent] += 1;
  return nodes.every((node, index) => node.children === counted[index]);
}
