/**
 * The decision timeline: one row per step, nested steps indented under their
 * parent, a compact input → output preview, and a bar placed at the step's
 * start and as long as its duration in the zoomed time window, coloured by
 * status. Rows are virtualized (only those on screen are in the DOM), so
 * 50,000 steps scroll smoothly; the layout comes precomputed from
 * data/timeline-layout.ts and the controls' arithmetic from
 * data/timeline-view.ts.
 *
 * Keyboard: one roving focus among the rows (a single tab stop). ↑/↓ move
 * it, Home/End go to the first and last row, → expands (or steps into the
 * first child), ← collapses (or goes to the parent), Enter or Space selects.
 */
import React, { forwardRef, useCallback, useEffect, useImperativeHandle, useMemo, useRef, useState } from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Icon, useStyles2, useTheme2 } from '@grafana/ui';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type SearchPayloads, type StepPreviews, usePayloadSearch } from '../../api/step-hooks';
import type { PagedStep, StepSnippet } from '../../api/types';
import { type TimelineLayout, type TimelineRow, visibleRows } from '../../data/timeline-layout';
import {
  ancestorSpanIds,
  barInView,
  collapsedToDepth,
  findMatches,
  FULL_VIEW,
  highlightParts,
  matchPosition,
  mergeMatches,
  stepMatch,
  type TimeView,
  viewBetween,
  viewTicks,
  wantsPayloadSearch,
  zoomView,
} from '../../data/timeline-view';
import { fromCollectorSnippet, toSegments } from '../../data/snippet';
import { statusColor, statusKind } from '../../data/status';
import { formatDurationMs } from '../../data/time';
import { compactPreview } from '../../data/values';
import { testIds } from '../testIds';
import { Minimap } from './Minimap';
import { TimelineToolbar } from './TimelineToolbar';

export const ROW_HEIGHT_PX = 28;
const INDENT_PX = 14;
/** Deeper steps stop indenting further, so names stay readable. */
const MAX_INDENT_LEVELS = 16;
/** Preview pages are asked for once scrolling pauses this long. */
const PREVIEW_DELAY_MILLIS = 60;

export interface TimelineHandle {
  /** Expands the step's ancestors, scrolls it into view (centred) and, with `focus`, moves the keyboard focus to it. */
  scrollToSpan: (spanId: string, options?: { focus?: boolean }) => void;
}

interface TimelineProps {
  layout: TimelineLayout;
  selectedSpanId: string | undefined;
  onSelect: (spanId: string) => void;
  /** Payload previews for the rows on screen (none: no preview column). */
  previews?: StepPreviews;
  /**
   * Searches the steps' reasoning, error messages, inputs and outputs in the
   * collector (none: the search box matches the outline only: names,
   * statuses, error messages, span ids, sequence numbers).
   */
  searchPayloads?: SearchPayloads;
  /** Height of the scrolling area (CSS length); by default the rows' height up to 70% of the window. */
  height?: string;
}

export const Timeline = forwardRef<TimelineHandle, TimelineProps>(function Timeline(
  { layout, selectedSpanId, onSelect, previews, searchPayloads, height },
  ref
) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const rows = useMemo(() => visibleRows(layout, collapsed), [layout, collapsed]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [focusedSpanId, setFocusedSpanId] = useState<string | undefined>();
  const [query, setQuery] = useState('');
  // The current match as a layout index (not a position among the matches: they grow when the collector answers).
  const [currentMatchRow, setCurrentMatchRow] = useState<number | undefined>();
  const [view, setView] = useState<TimeView>(FULL_VIEW);
  const [axisDrag, setAxisDrag] = useState<{ from: number; to: number } | undefined>();
  // A scroll (and focus) waiting for rows that the next render expands.
  const pendingScroll = useRef<{ spanId: string; focus: boolean } | undefined>(undefined);

  // Names and the like match at once in the outline; the collector adds the steps whose payloads match.
  const localMatches = useMemo(() => findMatches(layout, query), [layout, query]);
  const payloadSearch = usePayloadSearch(searchPayloads, query.trim(), wantsPayloadSearch(query));
  const indexBySpan = useMemo(() => new Map(layout.rows.map((row) => [row.step.spanId, row.index])), [layout]);
  const payloadMatchSet = useMemo(() => new Set(payloadSearch.spanIds), [payloadSearch.spanIds]);
  const matches = useMemo(
    () => mergeMatches(localMatches, payloadSearch.spanIds, indexBySpan),
    [localMatches, payloadSearch.spanIds, indexBySpan]
  );
  const matchSet = useMemo(() => new Set(matches), [matches]);
  const currentMatch = matchPosition(matches, currentMatchRow);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT_PX,
    overscan: 12,
    initialRect: { width: 1000, height: 600 },
    getItemKey: (index) => rows[index].step.spanId,
  });

  const toggle = useCallback((spanId: string) => {
    setCollapsed((previous) => {
      const next = new Set(previous);
      if (!next.delete(spanId)) {
        next.add(spanId);
      }
      return next;
    });
  }, []);

  const focusElement = useCallback((spanId: string) => {
    const attempt = (tries: number) => {
      const element = scrollRef.current?.querySelector<HTMLElement>(`[data-span-id="${CSS.escape(spanId)}"]`);
      if (element) {
        element.focus({ preventScroll: true });
      } else if (tries < 10) {
        requestAnimationFrame(() => attempt(tries + 1));
      }
    };
    requestAnimationFrame(() => attempt(0));
  }, []);

  /** Scrolls a visible row into view and optionally focuses it. */
  const reveal = useCallback(
    (spanId: string, list: TimelineRow[], focus: boolean, align: 'auto' | 'center') => {
      const index = list.findIndex((row) => row.step.spanId === spanId);
      if (index < 0) {
        return;
      }
      virtualizer.scrollToIndex(index, { align });
      if (focus) {
        setFocusedSpanId(spanId);
        focusElement(spanId);
      }
    },
    [virtualizer, focusElement]
  );

  /** Opens the row's ancestors if needed, then scrolls to it. */
  const revealAnywhere = useCallback(
    (spanId: string, focus: boolean) => {
      const target = layout.rows.find((row) => row.step.spanId === spanId);
      if (!target) {
        return;
      }
      const ancestors = ancestorSpanIds(layout, target);
      if (ancestors.some((id) => collapsed.has(id))) {
        const next = new Set(collapsed);
        ancestors.forEach((id) => next.delete(id));
        pendingScroll.current = { spanId, focus };
        setCollapsed(next);
      } else {
        reveal(spanId, rows, focus, 'center');
      }
    },
    [collapsed, layout, reveal, rows]
  );

  // After the expansion a pending scroll asked for, the row exists: scroll to it.
  useEffect(() => {
    const pending = pendingScroll.current;
    if (pending) {
      pendingScroll.current = undefined;
      reveal(pending.spanId, rows, pending.focus, 'center');
    }
  }, [rows, reveal]);

  useImperativeHandle(
    ref,
    () => ({ scrollToSpan: (spanId, options) => revealAnywhere(spanId, options?.focus ?? false) }),
    [revealAnywhere]
  );

  const goToMatch = (direction: 1 | -1) => {
    const next = stepMatch(matches, currentMatchRow, direction);
    if (next === undefined) {
      return;
    }
    setCurrentMatchRow(next);
    const spanId = layout.rows[next].step.spanId;
    onSelect(spanId);
    revealAnywhere(spanId, false);
  };

  const onQuery = (text: string) => {
    setQuery(text);
    setCurrentMatchRow(undefined);
  };

  const onKeyDown = (event: React.KeyboardEvent, index: number) => {
    const row = rows[index];
    const move = (target: number) => {
      const next = rows[Math.max(0, Math.min(rows.length - 1, target))];
      if (next) {
        reveal(next.step.spanId, rows, true, 'auto');
      }
    };
    const isCollapsed = collapsed.has(row.step.spanId);
    switch (event.key) {
      case 'Enter':
      case ' ':
        onSelect(row.step.spanId);
        break;
      case 'ArrowDown':
        move(index + 1);
        break;
      case 'ArrowUp':
        move(index - 1);
        break;
      case 'Home':
        move(0);
        break;
      case 'End':
        move(rows.length - 1);
        break;
      case 'ArrowRight':
        if (row.childCount > 0 && isCollapsed) {
          toggle(row.step.spanId);
        } else if (row.childCount > 0) {
          move(index + 1);
        }
        break;
      case 'ArrowLeft':
        if (row.childCount > 0 && !isCollapsed) {
          toggle(row.step.spanId);
        } else if (row.parentIndex >= 0) {
          reveal(layout.rows[row.parentIndex].step.spanId, rows, true, 'auto');
        }
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  const virtualItems = virtualizer.getVirtualItems();
  const renderedSpans = virtualItems.map((item) => rows[item.index]?.step.spanId);
  // Only one row is a tab stop: the focused one, else the selected one, else the first on screen.
  const tabStopSpan =
    [focusedSpanId, selectedSpanId].find((id) => id && renderedSpans.includes(id)) ?? renderedSpans[0];

  // Previews of the rows on screen, once scrolling pauses.
  const firstShown = virtualItems[0]?.index ?? 0;
  const lastShown = virtualItems[virtualItems.length - 1]?.index ?? -1;
  useEffect(() => {
    if (!previews || lastShown < 0) {
      return;
    }
    const timer = setTimeout(() => {
      const positions: number[] = [];
      for (let i = firstShown; i <= lastShown && i < rows.length; i++) {
        positions.push(rows[i].step.position);
      }
      previews.request(positions);
    }, PREVIEW_DELAY_MILLIS);
    return () => clearTimeout(timer);
  }, [previews, rows, firstShown, lastShown]);

  const totalSize = virtualizer.getTotalSize();
  const scrollOffset = virtualizer.scrollOffset ?? 0;
  const viewportHeight = scrollRef.current?.clientHeight ?? 0;
  const viewport =
    totalSize > 0
      ? { top: scrollOffset / totalSize, bottom: Math.min(1, (scrollOffset + viewportHeight) / totalSize) }
      : { top: 0, bottom: 1 };

  const axisFraction = (event: React.MouseEvent) => {
    const box = event.currentTarget.getBoundingClientRect();
    const x = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
    return view.start + (view.end - view.start) * x;
  };

  const ticks = viewTicks(layout.totalMs, view);
  const zoomed = view.start > 0 || view.end < 1;
  const gridColumns = previews ? styles.withPreview : styles.withoutPreview;
  return (
    <div
      className={styles.container}
      data-testid={testIds.timeline.container}
      data-row-count={layout.rows.length}
      data-visible-row-count={rows.length}
      data-view={`${view.start},${view.end}`}
    >
      <TimelineToolbar
        query={query}
        onQuery={onQuery}
        matchCount={matches.length}
        currentMatch={currentMatch}
        payloadSearch={
          !searchPayloads || !wantsPayloadSearch(query)
            ? { status: 'off' }
            : payloadSearch.loading
              ? { status: 'loading' }
              : payloadSearch.error
                ? { status: 'error', message: payloadSearch.error.message }
                : { status: 'done', truncated: payloadSearch.truncated }
        }
        onNextMatch={goToMatch}
        maxDepth={layout.maxDepth}
        onExpandAll={() => setCollapsed(new Set())}
        onCollapseAll={() => setCollapsed(collapsedToDepth(layout, 1))}
        onShowLevels={(levels) => setCollapsed(collapsedToDepth(layout, levels))}
        zoomed={zoomed}
        onZoom={(factor) => setView(zoomView(view, factor))}
        onZoomReset={() => setView(FULL_VIEW)}
      />
      <Minimap
        rows={rows}
        view={view}
        viewport={viewport}
        onScrollTo={(fraction) =>
          virtualizer.scrollToIndex(Math.floor(fraction * (rows.length - 1)), { align: 'center' })
        }
        onZoom={(a, b) => setView(viewBetween(a, b))}
      />
      <div className={cx(styles.header, gridColumns)}>
        <div className={styles.nameHeader}>Step ({layout.rows.length.toLocaleString('en-US')})</div>
        {previews && <div className={styles.nameHeader}>Input → output</div>}
        <div
          className={styles.axis}
          data-testid={testIds.timeline.axis}
          title="Drag across to zoom"
          onMouseDown={(event) => {
            const at = axisFraction(event);
            setAxisDrag({ from: at, to: at });
          }}
          onMouseMove={(event) => axisDrag && setAxisDrag({ ...axisDrag, to: axisFraction(event) })}
          onMouseLeave={() => setAxisDrag(undefined)}
          onMouseUp={(event) => {
            const to = axisFraction(event);
            if (axisDrag && Math.abs(to - axisDrag.from) > (view.end - view.start) / 200) {
              setView(viewBetween(axisDrag.from, to));
            }
            setAxisDrag(undefined);
          }}
        >
          {ticks.map((tick, i) => (
            <span
              key={i}
              className={styles.tick}
              style={
                i === ticks.length - 1
                  ? { right: 0 }
                  : { left: `${tick.fraction * 100}%`, transform: i === 0 ? undefined : 'translateX(-50%)' }
              }
            >
              {tick.offsetMs === 0 ? '0' : formatDurationMs(tick.offsetMs)}
            </span>
          ))}
          {axisDrag && (
            <div
              className={styles.axisSelection}
              style={{
                left: `${((Math.min(axisDrag.from, axisDrag.to) - view.start) / (view.end - view.start)) * 100}%`,
                width: `${(Math.abs(axisDrag.to - axisDrag.from) / (view.end - view.start)) * 100}%`,
              }}
            />
          )}
        </div>
        <div className={styles.durationHeader}>Duration</div>
      </div>
      <div
        ref={scrollRef}
        className={styles.scroll}
        style={{ height: height ?? `min(70vh, 720px, ${Math.max(rows.length, 1) * ROW_HEIGHT_PX}px)` }}
        data-testid={testIds.timeline.scroll}
        role="tree"
        aria-label="Decision timeline"
      >
        <div style={{ height: totalSize, position: 'relative' }}>
          {virtualItems.map((item) => {
            const row = rows[item.index];
            const kind = statusKind(row.step.status, row.step.errorMessage !== null);
            return (
              <TimelineRowView
                key={item.key}
                row={row}
                top={item.start}
                gridColumns={gridColumns}
                color={statusColor(theme, kind)}
                bar={barInView(row, view)}
                selected={row.step.spanId === selectedSpanId}
                isTabStop={row.step.spanId === tabStopSpan}
                collapsed={collapsed.has(row.step.spanId)}
                match={matchSet.has(row.index)}
                payloadMatch={payloadMatchSet.has(row.step.spanId)}
                snippet={payloadSearch.snippets.get(row.step.spanId)}
                currentMatch={row.index === currentMatchRow}
                query={query}
                showPreview={previews !== undefined}
                preview={previews?.at(row.step.position)}
                onSelect={onSelect}
                onFocusRow={setFocusedSpanId}
                onToggle={toggle}
                onKeyDown={(event) => onKeyDown(event, item.index)}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
});

interface RowProps {
  row: TimelineRow;
  top: number;
  gridColumns: string;
  color: string;
  bar: { left: number; width: number } | undefined;
  selected: boolean;
  isTabStop: boolean;
  collapsed: boolean;
  match: boolean;
  /** The collector found the search in the step's reasoning, error message, input or output. */
  payloadMatch: boolean;
  /** Where it found it, when the collector sent a snippet for this step. */
  snippet: StepSnippet | undefined;
  currentMatch: boolean;
  query: string;
  showPreview: boolean;
  preview: PagedStep | undefined;
  onSelect: (spanId: string) => void;
  onFocusRow: (spanId: string) => void;
  onToggle: (spanId: string) => void;
  onKeyDown: (event: React.KeyboardEvent) => void;
}

const TimelineRowView = React.memo(function TimelineRowView(props: RowProps) {
  const { row, top, color, bar, selected, isTabStop, collapsed, match, query, preview } = props;
  const styles = useStyles2(getStyles);
  const { step } = row;
  const indent = Math.min(row.depth, MAX_INDENT_LEVELS) * INDENT_PX;
  return (
    <div
      className={cx(
        styles.row,
        props.gridColumns,
        row.isFailed && styles.failedRow,
        match && styles.matchRow,
        props.currentMatch && styles.currentMatchRow,
        selected && styles.selectedRow
      )}
      style={{ transform: `translateY(${top}px)` }}
      onClick={() => props.onSelect(step.spanId)}
      onFocus={() => props.onFocusRow(step.spanId)}
      onKeyDown={props.onKeyDown}
      tabIndex={isTabStop ? 0 : -1}
      role="treeitem"
      aria-level={row.depth + 1}
      aria-selected={selected}
      aria-expanded={row.childCount > 0 ? !collapsed : undefined}
      data-testid={testIds.timeline.row}
      data-span-id={step.spanId}
      data-position={step.position}
      data-sequence={step.sequence}
      data-status={step.status}
      data-failed={row.isFailed ? 'true' : 'false'}
      data-depth={row.depth}
      data-selected={selected ? 'true' : 'false'}
      data-match={match ? 'true' : undefined}
      data-payload-match={props.payloadMatch ? 'true' : undefined}
      data-current-match={props.currentMatch ? 'true' : undefined}
    >
      <div className={styles.name} style={{ paddingLeft: indent }}>
        {row.childCount > 0 ? (
          <button
            type="button"
            tabIndex={-1}
            className={styles.toggle}
            aria-label={collapsed ? `Expand ${step.name}` : `Collapse ${step.name}`}
            data-testid={testIds.timeline.toggle}
            onClick={(event) => {
              event.stopPropagation();
              props.onToggle(step.spanId);
            }}
          >
            <Icon name={collapsed ? 'angle-right' : 'angle-down'} />
          </button>
        ) : (
          <span className={styles.togglePlaceholder} />
        )}
        {row.isFailed && <Icon name="exclamation-circle" className={styles.failedIcon} title="Failed" />}
        <span className={styles.nameText} title={step.name}>
          {match
            ? highlightParts(step.name, query).map((part, i) =>
                part.match ? (
                  <mark key={i} className={styles.mark}>
                    {part.text}
                  </mark>
                ) : (
                  <React.Fragment key={i}>{part.text}</React.Fragment>
                )
              )
            : step.name}
        </span>
        {collapsed && <span className={styles.hiddenCount}>+{row.childCount}</span>}
      </div>
      {props.showPreview && (props.snippet ? <RowSnippet snippet={props.snippet} /> : <RowPreview preview={preview} />)}
      <div className={styles.track}>
        {bar && (
          <div
            className={styles.bar}
            data-testid={testIds.timeline.bar}
            style={{ left: `${bar.left * 100}%`, width: `${bar.width * 100}%`, background: color }}
          />
        )}
      </div>
      <div className={cx(styles.duration, row.isFailed && styles.failedText)}>{formatDurationMs(row.durationMs)}</div>
    </div>
  );
});

/** In place of the preview, where the search matched the step's payloads, the matches marked. */
function RowSnippet({ snippet }: { snippet: StepSnippet }) {
  const styles = useStyles2(getStyles);
  const { text, ranges } = fromCollectorSnippet(snippet);
  return (
    <div
      className={styles.preview}
      data-testid={testIds.timeline.snippet}
      data-field={snippet.field}
      title={`${snippet.field}: ${text}`}
    >
      <span className={styles.snippetField}>{snippet.field}: </span>
      {toSegments(text, ranges).map((segment, index) =>
        segment.marked ? (
          <mark key={index} className={styles.mark}>
            {segment.text}
          </mark>
        ) : (
          <React.Fragment key={index}>{segment.text}</React.Fragment>
        )
      )}
    </div>
  );
}

function RowPreview({ preview }: { preview: PagedStep | undefined }) {
  const styles = useStyles2(getStyles);
  if (!preview) {
    return <div className={styles.preview} data-testid={testIds.timeline.preview} data-loaded="false" />;
  }
  const input = compactPreview(preview.input, preview.inputLength);
  const output = compactPreview(preview.output, preview.outputLength);
  const text = `${input || '∅'} → ${output || '∅'}`;
  return (
    <div className={styles.preview} data-testid={testIds.timeline.preview} data-loaded="true" title={text}>
      <span className={styles.previewIn}>{input || '∅'}</span>
      <span className={styles.arrow}> → </span>
      <span>{output || '∅'}</span>
    </div>
  );
}

const NAME_COLUMN = 'minmax(200px, 30%)';
const PREVIEW_COLUMN = 'minmax(0, 24%)';
const DURATION_COLUMN = '76px';

const getStyles = (theme: GrafanaTheme2) => ({
  container: css({
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.primary,
    minWidth: 0,
  }),
  withPreview: css({ gridTemplateColumns: `${NAME_COLUMN} ${PREVIEW_COLUMN} 1fr ${DURATION_COLUMN}` }),
  withoutPreview: css({ gridTemplateColumns: `${NAME_COLUMN} 1fr ${DURATION_COLUMN}` }),
  header: css({
    display: 'grid',
    borderBottom: `1px solid ${theme.colors.border.weak}`,
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    height: ROW_HEIGHT_PX,
    alignItems: 'center',
  }),
  nameHeader: css({ padding: theme.spacing(0, 1), whiteSpace: 'nowrap', overflow: 'hidden' }),
  durationHeader: css({ padding: theme.spacing(0, 1), textAlign: 'right' }),
  axis: css({
    position: 'relative',
    height: '100%',
    margin: theme.spacing(0, 1),
    cursor: 'col-resize',
    userSelect: 'none',
  }),
  axisSelection: css({ position: 'absolute', top: 0, bottom: 0, background: theme.colors.primary.transparent }),
  tick: css({
    position: 'absolute',
    top: '50%',
    marginTop: -8,
    whiteSpace: 'nowrap',
    lineHeight: '16px',
    pointerEvents: 'none',
  }),
  scroll: css({ overflowY: 'auto', overflowX: 'hidden', position: 'relative', contain: 'strict' }),
  row: css({
    position: 'absolute',
    top: 0,
    left: 0,
    width: '100%',
    height: ROW_HEIGHT_PX,
    display: 'grid',
    alignItems: 'center',
    cursor: 'pointer',
    borderLeft: '3px solid transparent',
    '&:hover': { background: theme.colors.action.hover },
    '&:focus-visible': { outline: `2px solid ${theme.colors.primary.main}`, outlineOffset: -2 },
  }),
  failedRow: css({
    borderLeftColor: theme.colors.error.main,
    background: theme.colors.error.transparent,
  }),
  matchRow: css({ background: theme.colors.warning.transparent }),
  currentMatchRow: css({ boxShadow: `inset 0 0 0 1px ${theme.colors.warning.border}` }),
  selectedRow: css({
    background: theme.colors.action.selected,
    boxShadow: `inset 0 0 0 1px ${theme.colors.primary.border}`,
  }),
  name: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    minWidth: 0,
    paddingRight: theme.spacing(1),
  }),
  toggle: css({
    background: 'none',
    border: 'none',
    padding: 0,
    color: theme.colors.text.secondary,
    cursor: 'pointer',
    display: 'flex',
    width: 16,
    flexShrink: 0,
  }),
  togglePlaceholder: css({ width: 16, flexShrink: 0 }),
  failedIcon: css({ color: theme.colors.error.text, flexShrink: 0 }),
  nameText: css({ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }),
  mark: css({ background: theme.colors.warning.main, color: theme.colors.warning.contrastText, borderRadius: 2 }),
  hiddenCount: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  preview: css({
    minWidth: 0,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    padding: theme.spacing(0, 1),
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
  }),
  previewIn: css({ color: theme.colors.text.primary }),
  snippetField: css({ color: theme.colors.text.secondary }),
  arrow: css({ color: theme.colors.text.disabled }),
  track: css({
    position: 'relative',
    height: '100%',
    margin: theme.spacing(0, 1),
    overflow: 'hidden',
    backgroundImage: `linear-gradient(to right, ${theme.colors.border.weak} 1px, transparent 1px)`,
    backgroundSize: '25% 100%',
  }),
  bar: css({
    position: 'absolute',
    top: 7,
    height: ROW_HEIGHT_PX - 14,
    borderRadius: theme.shape.radius.default,
    minWidth: 2,
  }),
  duration: css({
    textAlign: 'right',
    padding: theme.spacing(0, 1),
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    fontVariantNumeric: 'tabular-nums',
  }),
  failedText: css({ color: theme.colors.error.text }),
});
