/**
 * The decision timeline: one row per step, nested steps indented under their
 * parent, each with a bar placed at its start and as long as its duration
 * relative to the execution, coloured by status. Rows are virtualized (only
 * those on screen are in the DOM), so 10,000 steps scroll smoothly; the
 * layout itself comes precomputed from data/timeline-layout.ts.
 */
import React, { forwardRef, useCallback, useImperativeHandle, useMemo, useRef, useState } from 'react';
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Icon, useStyles2, useTheme2 } from '@grafana/ui';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type TimelineLayout, type TimelineRow, timelineTicks, visibleRows } from '../../data/timeline-layout';
import { statusColor, statusKind } from '../../data/status';
import { formatDurationMs } from '../../data/time';
import { testIds } from '../testIds';

export const ROW_HEIGHT_PX = 28;
const INDENT_PX = 14;
/** Deeper steps stop indenting further, so names stay readable. */
const MAX_INDENT_LEVELS = 16;

export interface TimelineHandle {
  /** Expands the step's ancestors, scrolls it into view and focuses it. */
  scrollToSpan: (spanId: string) => void;
}

interface TimelineProps {
  layout: TimelineLayout;
  selectedSpanId: string | undefined;
  onSelect: (spanId: string) => void;
  /** Height of the scrolling area (CSS length); by default the rows' height up to 70% of the window. */
  height?: string;
}

export const Timeline = forwardRef<TimelineHandle, TimelineProps>(function Timeline(
  { layout, selectedSpanId, onSelect, height },
  ref
) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const rows = useMemo(() => visibleRows(layout, collapsed), [layout, collapsed]);
  const scrollRef = useRef<HTMLDivElement>(null);

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

  // One roving focus: the row is scrolled into view, then (once rendered) gets the keyboard focus.
  const focusRow = useCallback(
    (spanId: string, list: TimelineRow[], moveFocus = false) => {
      const index = list.findIndex((row) => row.step.spanId === spanId);
      if (index < 0) {
        return;
      }
      virtualizer.scrollToIndex(index, { align: 'auto' });
      if (moveFocus) {
        const focus = (attempt: number) => {
          const element = scrollRef.current?.querySelector<HTMLElement>(`[data-span-id="${CSS.escape(spanId)}"]`);
          if (element) {
            element.focus({ preventScroll: true });
          } else if (attempt < 5) {
            requestAnimationFrame(() => focus(attempt + 1));
          }
        };
        requestAnimationFrame(() => focus(0));
      }
    },
    [virtualizer]
  );

  useImperativeHandle(
    ref,
    () => ({
      scrollToSpan: (spanId: string) => {
        const target = layout.rows.find((row) => row.step.spanId === spanId);
        if (!target) {
          return;
        }
        const ancestors: string[] = [];
        for (let parent = target.parentIndex; parent >= 0; parent = layout.rows[parent].parentIndex) {
          ancestors.push(layout.rows[parent].step.spanId);
        }
        const hidden = ancestors.some((id) => collapsed.has(id));
        if (hidden) {
          const next = new Set(collapsed);
          ancestors.forEach((id) => next.delete(id));
          setCollapsed(next);
          // The expanded rows exist after the next render.
          requestAnimationFrame(() => focusRow(spanId, visibleRows(layout, next)));
        } else {
          focusRow(spanId, rows);
        }
      },
    }),
    [collapsed, focusRow, layout, rows]
  );

  const onKeyDown = (event: React.KeyboardEvent, index: number) => {
    const row = rows[index];
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onSelect(row.step.spanId);
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const next = rows[index + (event.key === 'ArrowDown' ? 1 : -1)];
      if (next) {
        onSelect(next.step.spanId);
        focusRow(next.step.spanId, rows, true);
      }
    } else if ((event.key === 'ArrowLeft' || event.key === 'ArrowRight') && row.childCount > 0) {
      const isCollapsed = collapsed.has(row.step.spanId);
      if (isCollapsed === (event.key === 'ArrowRight')) {
        event.preventDefault();
        toggle(row.step.spanId);
      }
    }
  };

  const ticks = timelineTicks(layout.totalMs);
  // Only one row is a tab stop (the selected one, or the first rendered when it is scrolled away);
  // the arrows move between rows.
  const virtualItems = virtualizer.getVirtualItems();
  const renderedSpans = virtualItems.map((item) => rows[item.index]?.step.spanId);
  const tabStopSpan = selectedSpanId && renderedSpans.includes(selectedSpanId) ? selectedSpanId : renderedSpans[0];
  return (
    <div className={styles.container} data-testid={testIds.timeline.container} data-row-count={layout.rows.length}>
      <div className={styles.header}>
        <div className={styles.nameHeader}>Step ({layout.rows.length.toLocaleString('en-US')})</div>
        <div className={styles.axis}>
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
        </div>
        <div className={styles.durationHeader}>Duration</div>
      </div>
      <div
        ref={scrollRef}
        className={styles.scroll}
        style={{ height: height ?? `min(70vh, 720px, ${rows.length * ROW_HEIGHT_PX}px)` }}
        data-testid={testIds.timeline.scroll}
        role="tree"
        aria-label="Decision timeline"
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualItems.map((item) => {
            const row = rows[item.index];
            const kind = statusKind(row.step.status, row.step.error !== null);
            return (
              <TimelineRowView
                key={item.key}
                row={row}
                top={item.start}
                color={statusColor(theme, kind)}
                selected={row.step.spanId === selectedSpanId}
                isTabStop={row.step.spanId === tabStopSpan}
                collapsed={collapsed.has(row.step.spanId)}
                onSelect={onSelect}
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
  color: string;
  selected: boolean;
  isTabStop: boolean;
  collapsed: boolean;
  onSelect: (spanId: string) => void;
  onToggle: (spanId: string) => void;
  onKeyDown: (event: React.KeyboardEvent) => void;
}

const TimelineRowView = React.memo(function TimelineRowView(props: RowProps) {
  const { row, top, color, selected, isTabStop, collapsed, onSelect, onToggle, onKeyDown } = props;
  const styles = useStyles2(getStyles);
  const { step } = row;
  const indent = Math.min(row.depth, MAX_INDENT_LEVELS) * INDENT_PX;
  return (
    <div
      className={cx(styles.row, row.isFailed && styles.failedRow, selected && styles.selectedRow)}
      style={{ transform: `translateY(${top}px)` }}
      onClick={() => onSelect(step.spanId)}
      onKeyDown={onKeyDown}
      tabIndex={isTabStop ? 0 : -1}
      role="treeitem"
      aria-level={row.depth + 1}
      aria-selected={selected}
      aria-expanded={row.childCount > 0 ? !collapsed : undefined}
      data-testid={testIds.timeline.row}
      data-span-id={step.spanId}
      data-status={step.status}
      data-failed={row.isFailed ? 'true' : 'false'}
      data-depth={row.depth}
      data-selected={selected ? 'true' : 'false'}
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
              onToggle(step.spanId);
            }}
          >
            <Icon name={collapsed ? 'angle-right' : 'angle-down'} />
          </button>
        ) : (
          <span className={styles.togglePlaceholder} />
        )}
        {row.isFailed && <Icon name="exclamation-circle" className={styles.failedIcon} title="Failed" />}
        <span className={styles.nameText} title={step.name}>
          {step.name}
        </span>
        {collapsed && <span className={styles.hiddenCount}>+{row.childCount}</span>}
      </div>
      <div className={styles.track}>
        <div
          className={styles.bar}
          data-testid={testIds.timeline.bar}
          style={{
            left: `${row.offsetFraction * 100}%`,
            width: `${row.widthFraction * 100}%`,
            background: color,
          }}
        />
      </div>
      <div className={cx(styles.duration, row.isFailed && styles.failedText)}>{formatDurationMs(row.durationMs)}</div>
    </div>
  );
});

const NAME_COLUMN = 'minmax(220px, 34%)';
const DURATION_COLUMN = '84px';

const getStyles = (theme: GrafanaTheme2) => ({
  container: css({
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    background: theme.colors.background.primary,
    minWidth: 0,
  }),
  header: css({
    display: 'grid',
    gridTemplateColumns: `${NAME_COLUMN} 1fr ${DURATION_COLUMN}`,
    borderBottom: `1px solid ${theme.colors.border.weak}`,
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    height: ROW_HEIGHT_PX,
    alignItems: 'center',
  }),
  nameHeader: css({ padding: theme.spacing(0, 1) }),
  durationHeader: css({ padding: theme.spacing(0, 1), textAlign: 'right' }),
  axis: css({ position: 'relative', height: '100%', margin: theme.spacing(0, 1) }),
  tick: css({
    position: 'absolute',
    top: '50%',
    marginTop: -8,
    whiteSpace: 'nowrap',
    lineHeight: '16px',
  }),
  scroll: css({ overflowY: 'auto', overflowX: 'hidden', position: 'relative', contain: 'strict' }),
  row: css({
    position: 'absolute',
    top: 0,
    left: 0,
    width: '100%',
    height: ROW_HEIGHT_PX,
    display: 'grid',
    gridTemplateColumns: `${NAME_COLUMN} 1fr ${DURATION_COLUMN}`,
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
  hiddenCount: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  track: css({
    position: 'relative',
    height: '100%',
    margin: theme.spacing(0, 1),
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
