/**
 * A panel drawn by Grafana's own time-series visualization (PanelRenderer,
 * plugin `timeseries`) inside Grafana's panel frame, so charts look and
 * behave like dashboard panels in both themes.
 */
import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import {
  type AbsoluteTimeRange,
  type DataFrame,
  type FieldConfigSource,
  LoadingState,
  type TimeRange,
} from '@grafana/data';
import type { TimeZone } from '@grafana/schema';
import { PanelRenderer } from '@grafana/runtime';
import { PanelChrome } from '@grafana/ui';
import { useElementSize } from '../../hooks/use-element-size';

export interface TimeSeriesPanelProps {
  title: string;
  description?: string;
  frames: DataFrame[];
  timeRange: TimeRange;
  timeZone: TimeZone;
  loading: boolean;
  error?: Error;
  drawStyle?: 'line' | 'bars';
  stacked?: boolean;
  height?: number;
  testId: string;
  /** Dragging across the chart zooms to that range (Grafana's panels call this). */
  onChangeTimeRange?: (range: AbsoluteTimeRange) => void;
}

const panelStyle = css({ width: '100%', minWidth: 0 });

export function TimeSeriesPanel(props: TimeSeriesPanelProps) {
  const { title, description, frames, timeRange, timeZone, loading, error, testId } = props;
  const height = props.height ?? 300;
  const [ref, size] = useElementSize<HTMLDivElement>({ width: 600, height });
  const drawStyle = props.drawStyle ?? 'line';

  const fieldConfig = useMemo<FieldConfigSource>(
    () => ({
      defaults: {
        color: { mode: 'palette-classic' },
        custom: {
          drawStyle,
          lineWidth: drawStyle === 'bars' ? 1 : 2,
          fillOpacity: drawStyle === 'bars' ? 80 : 10,
          // Sparse series would be invisible as lines alone.
          showPoints: drawStyle === 'bars' ? 'never' : 'always',
          pointSize: 5,
          spanNulls: false,
          barAlignment: -1,
          stacking: { mode: props.stacked ? 'normal' : 'none', group: 'A' },
          axisSoftMin: 0,
        },
      },
      overrides: [],
    }),
    [drawStyle, props.stacked]
  );
  const options = useMemo(
    () => ({
      legend: { showLegend: true, displayMode: 'list', placement: 'bottom', calcs: [] },
      tooltip: { mode: 'multi', sort: 'desc' },
    }),
    []
  );
  const data = useMemo(
    () => ({ series: frames, state: loading ? LoadingState.Loading : LoadingState.Done, timeRange }),
    [frames, loading, timeRange]
  );

  return (
    <div ref={ref} className={panelStyle} data-testid={testId} data-frame-count={frames.length}>
      <PanelChrome
        title={title}
        description={description}
        width={Math.max(size.width, 200)}
        height={height}
        loadingState={loading ? LoadingState.Loading : error ? LoadingState.Error : LoadingState.Done}
        statusMessage={error?.message}
      >
        {(innerWidth, innerHeight) => (
          <PanelRenderer
            title={title}
            pluginId="timeseries"
            width={innerWidth}
            height={innerHeight}
            data={data}
            options={options}
            fieldConfig={fieldConfig}
            timeZone={timeZone}
            onChangeTimeRange={props.onChangeTimeRange}
          />
        )}
      </PanelChrome>
    </div>
  );
}
