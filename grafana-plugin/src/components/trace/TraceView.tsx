/**
 * The same execution in Grafana's native trace view: the `traces` panel
 * plugin rendered through PanelRenderer with a trace data frame.
 */
import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import { dateTime, type DataFrame, LoadingState, type PanelData } from '@grafana/data';
import { PanelRenderer } from '@grafana/runtime';
import { useElementSize } from '../../hooks/use-element-size';
import { testIds } from '../testIds';

const wrapper = css({ width: '100%', minHeight: 600 });

export function TraceView({ frame, startMillis, totalMs }: { frame: DataFrame; startMillis: number; totalMs: number }) {
  const [ref, size] = useElementSize<HTMLDivElement>({ width: 1000, height: 700 });
  const data = useMemo<PanelData>(() => {
    const from = dateTime(startMillis);
    const to = dateTime(startMillis + Math.max(totalMs, 1));
    return { series: [frame], state: LoadingState.Done, timeRange: { from, to, raw: { from, to } } };
  }, [frame, startMillis, totalMs]);
  return (
    <div ref={ref} className={wrapper} data-testid={testIds.trace.container}>
      <PanelRenderer
        title="Trace"
        pluginId="traces"
        width={Math.max(size.width, 400)}
        height={Math.max(size.height, 700)}
        data={data}
        options={{}}
      />
    </div>
  );
}
