/**
 * `xray replay` output: one line per recorded step, `=` its output matches,
 * `~` it changed (with the path-by-path diff), `!` it failed where the
 * recording did not (or the reverse), `-` no function of that name in the
 * module; then the counts and the first diverging step. Pure.
 */
import type { ReplayReport } from '@xray/sdk';
import type { Colors } from './colors.js';
import { jsonChangeLines } from './execution-diff.js';

export interface RenderReplayOptions {
  colors: Colors;
  /** The module as the user named it. */
  modulePath: string;
  /** Longest value printed before it is cut. */
  maxValueChars?: number;
}

/**
 * @example
 * renderReplayReport(await replayExecution(execution, steps), { colors: createColors(false), modulePath: './pipeline.js' });
 */
export function renderReplayReport(report: ReplayReport, options: RenderReplayOptions): string {
  const { colors } = options;
  const maxChars = options.maxValueChars ?? 120;
  const width = Math.max(0, ...report.steps.map((step) => step.name.length));
  const lines = [`replay of ${report.executionId}  ${report.pipeline}  ${report.steps.length} steps  with ${options.modulePath}`, ''];
  for (const step of report.steps) {
    const name = step.name.padEnd(width);
    if (step.outcome === 'match') lines.push(`= ${name}  match`);
    else if (step.outcome === 'skipped') lines.push(colors.dim(`- ${name}  skipped: no function "${step.name}" in the module`));
    else if (step.outcome === 'failed') lines.push(colors.red(`! ${name}  ${step.error ?? 'failed'}`));
    else {
      lines.push(colors.yellow(`~ ${name}  output differs`));
      lines.push(...jsonChangeLines(step.changes, step.changesTruncated, colors, maxChars).map((line) => `  ${line}`));
    }
  }
  lines.push('', `${report.matched} match, ${report.diverged} diverged, ${report.skipped} skipped`);
  const first = report.firstDivergence;
  lines.push(first === null ? 'no step diverged' : colors.bold(`first diverging step: ${first.name} (sequence ${first.sequence})`));
  if (report.recorded) {
    const sent = report.recorded.flush.sent > 0;
    lines.push(
      sent
        ? `recorded as execution ${report.recorded.executionId} (environment replay, xray.replay_of=${report.executionId})`
        : colors.red(`the replay was not recorded: ${JSON.stringify(report.recorded.flush)}`),
    );
  }
  return lines.join('\n');
}
