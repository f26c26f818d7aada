/**
 * `items` grouped by `keyOf`, each group in the items' order, the groups in
 * the order their first item came (Node 20 has no `Map.groupBy`).
 *
 * @example
 * groupBy([{ app: 'a', n: 1 }, { app: 'b', n: 2 }, { app: 'a', n: 3 }], (row) => row.app); // Map { a => [n 1, n 3], b => [n 2] }
 */
export function groupBy<T, K>(items: Iterable<T>, keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
