/**
 * What one export chunk becomes in each format. NDJSON and JSON carry the
 * execution as GET /api/v1/executions/:id shows it (with `steps` when asked);
 * CSV has one row per execution, or one row per step with its execution's
 * columns first. The first two CSV columns are the execution's id and start
 * (unix ns), so a cut-off export can say where to resume. Pure.
 */
import { inheritFromExecution, toExecutionDetail, toStep } from '../api/presenters.js';
import type { ExecutionRecord, StepRecord } from '../store/index.js';
import { csvRow } from './csv.js';
import type { ExportChunk } from './export-repository.js';

export type ExportFormat = 'ndjson' | 'csv' | 'json';

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

const EXECUTION_CSV_COLUMNS = [
  'executionId',
  'startTimeUnixNano',
  'startTime',
  'endTime',
  'pipeline',
  'environment',
  'serviceName',
  'status',
  'durationMs',
  'stepCount',
  'errorCount',
  'droppedSteps',
  'errorMessage',
  'traceId',
  'metadata',
  'finalOutcome',
  'attributes',
] as const;

const STEP_CSV_COLUMNS = [
  'executionId',
  'executionStartTimeUnixNano',
  'executionStatus',
  'pipeline',
  'environment',
  'sequence',
  'spanId',
  'parentSpanId',
  'name',
  'status',
  'startTime',
  'endTime',
  'durationMs',
  'input',
  'output',
  'reasoning',
  'errorType',
  'errorMessage',
  'model',
  'provider',
  'inputTokens',
  'outputTokens',
  'costUsd',
  'attributes',
] as const;

function executionJson(record: ExecutionRecord, steps: StepRecord[] | undefined): object {
  const detail = toExecutionDetail(record);
  return steps ? { ...detail, steps: steps.map((step) => inheritFromExecution(toStep(step), detail)) } : detail;
}

export interface ExportWriter {
  /** Text before the first record. */
  start(): string;
  /** The records of one chunk, and how many records that is. */
  chunk(chunk: ExportChunk): { text: string; records: number };
  /** Text after the last record. */
  end(): string;
}

/**
 * @example
 * const writer = createExportWriter('csv', { steps: false });
 * let text = writer.start(); for (const chunk of chunks) text += writer.chunk(chunk).text; text += writer.end();
 */
export function createExportWriter(format: ExportFormat, options: { steps: boolean }): ExportWriter {
  let first = true;
  if (format === 'csv') {
    return {
      start: () => csvRow(options.steps ? STEP_CSV_COLUMNS : EXECUTION_CSV_COLUMNS),
      chunk({ executions, steps }) {
        let text = '';
        let records = 0;
        for (const record of executions) {
          const detail = toExecutionDetail(record);
          if (!options.steps) {
            text += csvRow(EXECUTION_CSV_COLUMNS.map((column) => (column === 'startTimeUnixNano' ? record.start_ns : detail[column])));
            records++;
            continue;
          }
          for (const stepRecord of steps?.get(record.execution_id) ?? []) {
            const step = inheritFromExecution(toStep(stepRecord), detail);
            const values: Record<(typeof STEP_CSV_COLUMNS)[number], unknown> = {
              ...step,
              executionStartTimeUnixNano: record.start_ns,
              executionStatus: record.status,
              errorType: step.error?.type ?? '',
              errorMessage: step.error?.message ?? '',
            };
            text += csvRow(STEP_CSV_COLUMNS.map((column) => values[column]));
            records++;
          }
        }
        return { text, records };
      },
      end: () => '',
    };
  }
  return {
    start: () => (format === 'json' ? '[' : ''),
    chunk({ executions, steps }) {
      let text = '';
      for (const record of executions) {
        const json = JSON.stringify(executionJson(record, steps ? (steps.get(record.execution_id) ?? []) : undefined));
        if (format === 'json') {
          text += first ? `\n${json}` : `,\n${json}`;
          first = false;
        } else {
          text += `${json}\n`;
        }
      }
      return { text, records: executions.length };
    },
    end: () => (format === 'json' ? (first ? ']\n' : '\n]\n') : ''),
  };
}
