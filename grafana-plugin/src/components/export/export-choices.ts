/** The formats the Executions page offers to download (the export route's), and their test ids. No React. */
import type { ExportFormat } from '../../api/types';
import { testIds } from '../testIds';

export const EXPORT_CHOICES: Array<{ format: ExportFormat; steps: boolean; label: string; description: string }> = [
  { format: 'csv', steps: false, label: 'CSV', description: 'One row per execution' },
  { format: 'ndjson', steps: false, label: 'NDJSON', description: 'One execution per line' },
  { format: 'json', steps: false, label: 'JSON', description: 'One array of executions' },
  { format: 'csv', steps: true, label: 'CSV with steps', description: 'One row per step' },
  {
    format: 'ndjson',
    steps: true,
    label: 'NDJSON with steps',
    description: 'One execution per line, its steps inside',
  },
  { format: 'json', steps: true, label: 'JSON with steps', description: 'One array, each execution with its steps' },
];

/** A choice's test id: `…-csv`, `…-ndjson-steps`. */
export function exportChoiceTestId(format: ExportFormat, steps: boolean): string {
  return `${testIds.export.choice}-${format}${steps ? '-steps' : ''}`;
}
