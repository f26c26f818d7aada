/**
 * A one-line progress bar for stderr: records against an estimate, bytes and
 * rate. Redrawn in place with `\r`; pure, the caller writes it.
 */
import { formatBytes } from './bytes.js';

/**
 * @example
 * renderProgress({ records: 500, estimate: 1000, bytes: 2_000_000, elapsedMillis: 1000, width: 30 });
 * // '[###############---------------]  50%  500/1,000 records  1.9 MB  1.9 MB/s'
 */
export function renderProgress(state: { records: number; estimate: number; bytes: number; elapsedMillis: number; width?: number }): string {
  const width = state.width ?? 30;
  const fraction = state.estimate > 0 ? Math.min(1, state.records / state.estimate) : 0;
  const filled = Math.round(fraction * width);
  const rate = state.elapsedMillis > 0 ? (state.bytes * 1000) / state.elapsedMillis : 0;
  const count = state.estimate > 0 ? `${state.records.toLocaleString('en-US')}/${state.estimate.toLocaleString('en-US')}` : state.records.toLocaleString('en-US');
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%  ${count} records  ${formatBytes(state.bytes)}  ${formatBytes(rate)}/s`;
}
