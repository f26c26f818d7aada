/**
 * Parsing of ClickHouse's `EXPLAIN indexes = 1` text, so the bench can show
 * how many parts and granules each index leaves for a query.
 */

/**
 * Reads EXPLAIN indexes = 1 output: for each index step (Min-Max, Partition,
 * PrimaryKey, Skip, PrimaryKeyExpand) its `Parts: a/b` and `Granules: a/b`,
 * and the `Parts: n | Granules: m` that ReadFromMergeTree will finally read.
 */
export function parseExplainIndexes(lines) {
  const out = [];
  let current;
  let inIndexes = false;
  for (const raw of lines) {
    const line = raw.replace(/^[\s│├└─]+/, '').trim();
    const total = /^Parts: (\d+) \| Granules: (\d+)/.exec(line);
    if (total) {
      out.push({ type: 'read (after all indexes)', name: '', parts: total[1], granules: total[2] });
      continue;
    }
    if (line === 'Indexes:') {
      inIndexes = true;
      continue;
    }
    if (!inIndexes) continue;
    if (/^[A-Za-z-]+$/.test(line)) {
      current = { type: line, name: '', parts: '', granules: '' };
      out.push(current);
      continue;
    }
    if (!current) continue;
    const name = /^Name: (\S+)/.exec(line);
    if (name) current.name = name[1];
    const parts = /^Parts: (\d+\/\d+)/.exec(line);
    if (parts) current.parts = parts[1];
    const granules = /^Granules: (\d+\/\d+)/.exec(line);
    if (granules) current.granules = granules[1];
    if (/^Ranges: /.test(line)) inIndexes = false;
  }
  // The final read line comes before the index list in the output; show it last.
  return [...out.filter((i) => !i.type.startsWith('read')), ...out.filter((i) => i.type.startsWith('read'))];
}
