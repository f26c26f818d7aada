/**
 * Download buttons: the executions matching the page's filters through the
 * collector's export (`GET /export`: NDJSON, CSV or JSON, with or without
 * steps, streamed by the collector so a large export never sits in the
 * page), and one execution with its steps as JSON (`GET /executions/{id}`).
 * Self-contained: a page mounts one with its query or execution id.
 */
import React from 'react';
import { Button, Dropdown, Menu } from '@grafana/ui';
import { executionJsonUrl, exportUrl } from '../../api/client';
import type { ExportFormat, ExportQuery } from '../../api/types';
import { testIds } from '../testIds';
import { startDownload } from './start-download';

const CHOICES: Array<{ format: ExportFormat; steps: boolean; label: string; description: string }> = [
  { format: 'csv', steps: false, label: 'CSV', description: 'One row per execution' },
  { format: 'ndjson', steps: false, label: 'NDJSON', description: 'One execution per line' },
  { format: 'json', steps: false, label: 'JSON', description: 'One array of executions' },
  { format: 'csv', steps: true, label: 'CSV with steps', description: 'One row per step' },
  { format: 'ndjson', steps: true, label: 'NDJSON with steps', description: 'One execution per line, its steps inside' },
  { format: 'json', steps: true, label: 'JSON with steps', description: 'One array, each execution with its steps' },
];

/** The choice's test id: `…-csv`, `…-ndjson-steps`. */
export function exportChoiceTestId(format: ExportFormat, steps: boolean): string {
  return `${testIds.export.choice}-${format}${steps ? '-steps' : ''}`;
}

/**
 * Downloads the executions the page lists (its window and filters; score filters are not part of
 * the export) in the format picked from the menu.
 */
export function ExportDownloadButton({ query }: { query: Omit<ExportQuery, 'format' | 'steps'> }) {
  const menu = (
    <Menu>
      {CHOICES.map((choice) => (
        <Menu.Item
          key={`${choice.format}-${choice.steps}`}
          label={choice.label}
          description={choice.description}
          testId={exportChoiceTestId(choice.format, choice.steps)}
          onClick={() => startDownload(exportUrl({ ...query, format: choice.format, steps: choice.steps }))}
        />
      ))}
    </Menu>
  );
  return (
    <Dropdown overlay={menu} placement="bottom-end">
      <Button
        variant="secondary"
        icon="download-alt"
        data-testid={testIds.export.button}
        tooltip="Download the executions these filters select, in this time range"
      >
        Download
      </Button>
    </Dropdown>
  );
}

/** Downloads one execution with all its steps as the collector answers it (JSON). */
export function ExecutionDownloadButton({ executionId }: { executionId: string }) {
  return (
    <Button
      variant="secondary"
      size="sm"
      icon="download-alt"
      data-testid={testIds.export.executionButton}
      tooltip="Download this execution with its steps (JSON)"
      onClick={() => startDownload(executionJsonUrl(executionId), `xray-execution-${executionId}.json`)}
    >
      Download
    </Button>
  );
}
