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
import type { ExportQuery } from '../../api/types';
import { testIds } from '../testIds';
import { EXPORT_CHOICES, exportChoiceTestId } from './export-choices';
import { startDownload } from './start-download';

/**
 * Downloads the executions the page lists (its window and filters; score filters are not part of
 * the export) in the format picked from the menu.
 */
export function ExportDownloadButton({ query }: { query: Omit<ExportQuery, 'format' | 'steps'> }) {
  const menu = (
    <Menu>
      {EXPORT_CHOICES.map((choice) => (
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
