/**
 * The timeline's controls: search within the execution (match count, which
 * grows when the collector's search of reasoning, error messages, inputs and
 * outputs answers; previous / next, Enter and Shift+Enter), expand and
 * collapse all or to a number of levels, and zoom of the time axis.
 */
import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Button, ButtonGroup, IconButton, Input, useStyles2 } from '@grafana/ui';
import { testIds } from '../testIds';

/** Where the collector's search of the steps' payloads stands for the text in the box. */
export type PayloadSearchStatus =
  | { status: 'off' }
  | { status: 'loading' }
  | { status: 'done'; truncated: boolean }
  | { status: 'error'; message: string };

/** Levels offered by the depth buttons (deeper trees still expand all). */
const DEPTH_LEVELS = [1, 2, 3];

interface ToolbarProps {
  query: string;
  onQuery: (query: string) => void;
  matchCount: number;
  /** 0-based position of the current match, -1 before the first jump. */
  currentMatch: number;
  onNextMatch: (direction: 1 | -1) => void;
  payloadSearch: PayloadSearchStatus;
  maxDepth: number;
  onExpandAll: () => void;
  onCollapseAll: () => void;
  onShowLevels: (levels: number) => void;
  zoomed: boolean;
  onZoom: (factor: number) => void;
  onZoomReset: () => void;
}

export function TimelineToolbar(props: ToolbarProps) {
  const styles = useStyles2(getStyles);
  const { query, matchCount, currentMatch, payloadSearch } = props;
  const loading = payloadSearch.status === 'loading';
  const more = payloadSearch.status === 'done' && payloadSearch.truncated ? '+' : '';
  const count =
    query.trim() === ''
      ? ''
      : matchCount === 0
        ? loading
          ? 'Searching…'
          : 'No matches'
        : `${currentMatch >= 0 ? (currentMatch + 1).toLocaleString('en-US') : '–'} of ${matchCount.toLocaleString('en-US')}${more}${loading ? '…' : ''}`;
  const countTitle =
    payloadSearch.status === 'error'
      ? `Only names, statuses, errors and span ids were searched: the search of reasoning, inputs and outputs failed (${payloadSearch.message})`
      : payloadSearch.status === 'loading'
        ? 'Searching reasoning, inputs and outputs…'
        : undefined;
  return (
    <div className={styles.toolbar}>
      <div className={styles.search}>
        <Input
          value={query}
          placeholder="Find: words in steps, a name or #sequence"
          title="Words of a step's reasoning, input, output or error (searched in the collector); a name, status, span id or #sequence"
          prefix={<span aria-hidden>⌕</span>}
          aria-label="Find a step in this execution"
          data-testid={testIds.timeline.search}
          onChange={(event) => props.onQuery(event.currentTarget.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              event.preventDefault();
              props.onNextMatch(event.shiftKey ? -1 : 1);
            } else if (event.key === 'Escape') {
              props.onQuery('');
            }
          }}
          suffix={
            <span
              className={styles.count}
              data-testid={testIds.timeline.searchCount}
              data-payload-search={payloadSearch.status}
              title={countTitle}
              aria-live="polite"
            >
              {count}
              {payloadSearch.status === 'error' && <span className={styles.warning}> (names only)</span>}
            </span>
          }
        />
        <IconButton
          name="arrow-up"
          tooltip="Previous match (Shift+Enter)"
          disabled={matchCount === 0}
          onClick={() => props.onNextMatch(-1)}
          data-testid={testIds.timeline.searchPrevious}
        />
        <IconButton
          name="arrow-down"
          tooltip="Next match (Enter)"
          disabled={matchCount === 0}
          onClick={() => props.onNextMatch(1)}
          data-testid={testIds.timeline.searchNext}
        />
      </div>
      <ButtonGroup>
        <Button
          size="sm"
          variant="secondary"
          fill="outline"
          onClick={props.onExpandAll}
          data-testid={testIds.timeline.expandAll}
        >
          Expand all
        </Button>
        <Button
          size="sm"
          variant="secondary"
          fill="outline"
          onClick={props.onCollapseAll}
          data-testid={testIds.timeline.collapseAll}
        >
          Collapse all
        </Button>
      </ButtonGroup>
      {props.maxDepth > 0 && (
        <div className={styles.group} role="group" aria-label="Levels shown">
          <span className={styles.label}>Levels</span>
          <ButtonGroup>
            {DEPTH_LEVELS.filter((levels) => levels <= props.maxDepth).map((levels) => (
              <Button
                key={levels}
                size="sm"
                variant="secondary"
                fill="outline"
                onClick={() => props.onShowLevels(levels)}
                data-testid={testIds.timeline.depth}
                data-levels={levels}
                aria-label={`Show ${levels} level${levels > 1 ? 's' : ''}`}
              >
                {levels}
              </Button>
            ))}
          </ButtonGroup>
        </div>
      )}
      <div className={styles.group} role="group" aria-label="Zoom the time axis">
        <IconButton
          name="search-minus"
          tooltip="Zoom out"
          disabled={!props.zoomed}
          onClick={() => props.onZoom(0.5)}
          data-testid={testIds.timeline.zoomOut}
        />
        <IconButton
          name="search-plus"
          tooltip="Zoom in (or drag across the axis or the minimap)"
          onClick={() => props.onZoom(2)}
          data-testid={testIds.timeline.zoomIn}
        />
        {props.zoomed && (
          <Button
            size="sm"
            variant="secondary"
            fill="text"
            onClick={props.onZoomReset}
            data-testid={testIds.timeline.zoomReset}
          >
            Reset zoom
          </Button>
        )}
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  toolbar: css({
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    gap: theme.spacing(1, 2),
    padding: theme.spacing(1),
    borderBottom: `1px solid ${theme.colors.border.weak}`,
  }),
  search: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(0.5), flex: '1 1 320px', minWidth: 240 }),
  count: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'nowrap',
  }),
  warning: css({ color: theme.colors.warning.text }),
  group: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(0.5) }),
  label: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
