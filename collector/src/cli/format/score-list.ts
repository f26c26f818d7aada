/** The scores of one execution as a table (`xray score <executionId>`). */
import type { Score } from '../api-types.js';
import type { Colors } from './colors.js';
import { renderTable } from './table.js';
import { UTC, formatTimestamp } from './time-zone.js';

export interface ScoreListOptions {
  colors: Colors;
  maxWidth?: number;
}

export function renderScoreList(scores: Score[], options: ScoreListOptions): string {
  if (scores.length === 0) return options.colors.dim('No scores yet: `xray score <executionId> <name>=<value>` adds one.');
  return renderTable(
    [
      { header: 'NAME', value: (s: Score) => s.name },
      { header: 'VALUE', value: (s: Score) => String(s.value) },
      { header: 'STEP', value: (s: Score) => s.stepSpanId ?? '-' },
      { header: 'AUTHOR', value: (s: Score) => s.author, shrink: true },
      { header: `TIME (${UTC})`, value: (s: Score) => formatTimestamp(s.time) },
      { header: 'COMMENT', value: (s: Score) => s.comment || '-', shrink: true },
    ],
    scores,
    options,
  );
}
