/**
 * The whole execution in a strip above the timeline: every visible row as a
 * one-pixel line at its place in time (drawn once per layout on a canvas,
 * so 50,000 steps cost one paint), the rows on screen and the zoomed time
 * window as overlays. Clicking scrolls to that part of the list; dragging
 * across zooms the time axis to the dragged span.
 */
import React, { useEffect, useRef, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import type { TimelineRow } from '../../data/timeline-layout';
import { statusColor, statusKind } from '../../data/status';
import type { TimeView } from '../../data/timeline-view';
import { testIds } from '../testIds';

export const MINIMAP_HEIGHT_PX = 56;
/** A drag narrower than this (in pixels) is a click. */
const DRAG_PX = 4;

interface MinimapProps {
  rows: TimelineRow[];
  view: TimeView;
  /** The rows on screen, as fractions (0..1) of the list. */
  viewport: { top: number; bottom: number };
  /** Scroll so the row at this fraction of the list is in view. */
  onScrollTo: (fraction: number) => void;
  onZoom: (startFraction: number, endFraction: number) => void;
}

export function Minimap({ rows, view, viewport, onScrollTo, onZoom }: MinimapProps) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [drag, setDrag] = useState<{ from: number; to: number } | undefined>();

  useEffect(() => {
    const canvas = canvasRef.current;
    const context = canvas?.getContext('2d');
    if (!canvas || !context) {
      return;
    }
    const width = (canvas.width = Math.max(1, Math.round(canvas.clientWidth * window.devicePixelRatio)));
    const height = (canvas.height = Math.round(MINIMAP_HEIGHT_PX * window.devicePixelRatio));
    context.clearRect(0, 0, width, height);
    const count = rows.length;
    const lineHeight = Math.max(1, height / Math.max(count, 1));
    const colors = {
      failed: statusColor(theme, 'failed'),
      completed: statusColor(theme, 'completed'),
      skipped: statusColor(theme, 'skipped'),
      running: statusColor(theme, 'running'),
      other: statusColor(theme, 'other'),
    };
    // Failed steps last, so a red line is never painted over.
    const failed: number[] = [];
    for (let i = 0; i < count; i++) {
      const row = rows[i];
      const kind = statusKind(row.step.status, row.step.errorMessage !== null);
      if (kind === 'failed') {
        failed.push(i);
        continue;
      }
      context.fillStyle = colors[kind];
      context.fillRect(
        row.offsetFraction * width,
        (i / count) * height,
        Math.max(1, row.widthFraction * width),
        lineHeight
      );
    }
    context.fillStyle = colors.failed;
    for (const i of failed) {
      const row = rows[i];
      const y = (i / count) * height;
      context.fillRect(row.offsetFraction * width, y, Math.max(2, row.widthFraction * width), Math.max(2, lineHeight));
    }
  }, [rows, theme]);

  const fractionAt = (event: React.MouseEvent) => {
    const box = event.currentTarget.getBoundingClientRect();
    return {
      x: Math.min(1, Math.max(0, (event.clientX - box.left) / box.width)),
      y: Math.min(1, Math.max(0, (event.clientY - box.top) / box.height)),
      width: box.width,
    };
  };

  return (
    <div
      className={styles.minimap}
      data-testid={testIds.timeline.minimap}
      onMouseDown={(event) => {
        const { x } = fractionAt(event);
        setDrag({ from: x, to: x });
      }}
      onMouseMove={(event) => drag && setDrag({ ...drag, to: fractionAt(event).x })}
      onMouseLeave={() => setDrag(undefined)}
      onMouseUp={(event) => {
        const { x, y, width } = fractionAt(event);
        if (drag && Math.abs(x - drag.from) * width >= DRAG_PX) {
          onZoom(drag.from, x);
        } else {
          onScrollTo(y);
        }
        setDrag(undefined);
      }}
      title="Click to scroll there; drag across to zoom the time axis"
    >
      <canvas ref={canvasRef} className={styles.canvas} />
      <div
        className={styles.viewport}
        style={{ top: `${viewport.top * 100}%`, height: `${Math.max(2, (viewport.bottom - viewport.top) * 100)}%` }}
      />
      {(view.start > 0 || view.end < 1) && (
        <div
          className={styles.zoom}
          data-testid="xray-timeline-minimap-zoom"
          style={{ left: `${view.start * 100}%`, width: `${(view.end - view.start) * 100}%` }}
        />
      )}
      {drag && (
        <div
          className={styles.selection}
          style={{ left: `${Math.min(drag.from, drag.to) * 100}%`, width: `${Math.abs(drag.to - drag.from) * 100}%` }}
        />
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  minimap: css({
    position: 'relative',
    height: MINIMAP_HEIGHT_PX,
    borderBottom: `1px solid ${theme.colors.border.weak}`,
    background: theme.colors.background.canvas,
    cursor: 'crosshair',
    userSelect: 'none',
  }),
  canvas: css({ width: '100%', height: '100%', display: 'block' }),
  viewport: css({
    position: 'absolute',
    left: 0,
    right: 0,
    background: theme.colors.action.selected,
    borderTop: `1px solid ${theme.colors.primary.border}`,
    borderBottom: `1px solid ${theme.colors.primary.border}`,
    pointerEvents: 'none',
  }),
  zoom: css({
    position: 'absolute',
    top: 0,
    bottom: 0,
    border: `1px solid ${theme.colors.primary.main}`,
    pointerEvents: 'none',
  }),
  selection: css({
    position: 'absolute',
    top: 0,
    bottom: 0,
    background: theme.colors.primary.transparent,
    pointerEvents: 'none',
  }),
});
