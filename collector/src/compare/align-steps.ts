/**
 * Aligns the step trees of two executions so each step of one is paired with
 * "the same step" of the other. A step is identified by its parent path and
 * its name, counted among siblings of that name in sequence order
 * (`score#1` is the second `score` under the same parent): span ids differ
 * between runs, and sequence numbers shift as soon as one step is added, but
 * name and place in the tree survive both. Pure, no I/O.
 */

/** The fields alignment needs from a step. */
export interface AlignableStep {
  spanId: string;
  parentSpanId: string;
  sequence: number;
  name: string;
  startTimeUnixNano: string;
}

export interface AlignedPair<S> {
  /** Keys from the top level down to this step, e.g. `['retrieve', 'score#1']`. */
  path: string[];
  /** 0 for a top-level step. */
  depth: number;
  a: S | null;
  b: S | null;
}

interface Node<S> {
  step: S;
  key: string;
  children: Node<S>[];
}

function compareNanos(x: string, y: string): number {
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The step forest: a step whose parent is not one of the steps (the root span, or missing) is top-level. */
function toForest<S extends AlignableStep>(steps: readonly S[]): Node<S>[] {
  const ordered = [...steps].sort(
    (x, y) => x.sequence - y.sequence || compareNanos(x.startTimeUnixNano, y.startTimeUnixNano) || (x.spanId < y.spanId ? -1 : 1),
  );
  const nodes = new Map<string, Node<S>>();
  for (const step of ordered) if (!nodes.has(step.spanId)) nodes.set(step.spanId, { step, key: '', children: [] });
  const roots: Node<S>[] = [];
  for (const node of nodes.values()) {
    const parent = node.step.parentSpanId === node.step.spanId ? undefined : nodes.get(node.step.parentSpanId);
    (parent && !isAncestor(node, parent, nodes) ? parent.children : roots).push(node);
  }
  assignKeys(roots);
  return roots;
}

/** True when `candidate` descends from `node` (a cycle in bad data must not hide steps). */
function isAncestor<S extends AlignableStep>(node: Node<S>, candidate: Node<S>, nodes: Map<string, Node<S>>): boolean {
  const seen = new Set<string>();
  let current: Node<S> | undefined = candidate;
  while (current && !seen.has(current.step.spanId)) {
    if (current === node) return true;
    seen.add(current.step.spanId);
    current = nodes.get(current.step.parentSpanId);
  }
  return false;
}

function assignKeys<S extends AlignableStep>(siblings: Node<S>[]): void {
  const counts = new Map<string, number>();
  for (const node of siblings) {
    const seen = counts.get(node.step.name) ?? 0;
    counts.set(node.step.name, seen + 1);
    node.key = seen === 0 ? node.step.name : `${node.step.name}#${seen}`;
    assignKeys(node.children);
  }
}

function emitSubtree<S>(node: Node<S>, side: 'a' | 'b', parentPath: string[], out: AlignedPair<S>[]): void {
  const path = [...parentPath, node.key];
  out.push({ path, depth: parentPath.length, a: side === 'a' ? node.step : null, b: side === 'b' ? node.step : null });
  for (const child of node.children) emitSubtree(child, side, path, out);
}

function mergeSiblings<S>(as: Node<S>[], bs: Node<S>[], parentPath: string[], out: AlignedPair<S>[]): void {
  const byKeyA = new Map(as.map((node) => [node.key, node]));
  const keysB = new Set(bs.map((node) => node.key));
  const consumed = new Set<string>();
  let i = 0;
  const flushRemoved = (stopAt: number) => {
    for (; i < stopAt; i++) {
      const node = as[i];
      if (!consumed.has(node.key)) emitSubtree(node, 'a', parentPath, out);
    }
  };
  for (const nodeB of bs) {
    const nodeA = byKeyA.get(nodeB.key);
    if (!nodeA) {
      // Removed steps that come before the next shared one are listed before it.
      while (i < as.length && (consumed.has(as[i].key) || !keysB.has(as[i].key))) flushRemoved(i + 1);
      emitSubtree(nodeB, 'b', parentPath, out);
      continue;
    }
    while (i < as.length && as[i] !== nodeA && (consumed.has(as[i].key) || !keysB.has(as[i].key))) flushRemoved(i + 1);
    consumed.add(nodeA.key);
    const path = [...parentPath, nodeB.key];
    out.push({ path, depth: parentPath.length, a: nodeA.step, b: nodeB.step });
    mergeSiblings(nodeA.children, nodeB.children, path, out);
  }
  flushRemoved(as.length);
}

/**
 * Pairs the steps of two executions, in tree order (B's order, with steps
 * only A has placed where A had them).
 *
 * @example
 * alignSteps(stepsOfA, stepsOfB)
 * // [{ path: ['fetch'], depth: 0, a: {...}, b: {...} }, { path: ['manual_review'], depth: 0, a: null, b: {...} }]
 */
export function alignSteps<S extends AlignableStep>(a: readonly S[], b: readonly S[]): AlignedPair<S>[] {
  const out: AlignedPair<S>[] = [];
  mergeSiblings(toForest(a), toForest(b), [], out);
  return out;
}
