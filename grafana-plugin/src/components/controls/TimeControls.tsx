/** Grafana's time picker and refresh picker, driving a page's TimeRangeState. */
import React from 'react';
import { RefreshPicker, Stack, TimeRangePicker } from '@grafana/ui';
import type { TimeRangeState } from '../../hooks/use-time-range';
import { testIds } from '../testIds';

export function TimeControls({ time, isLoading }: { time: TimeRangeState; isLoading?: boolean }) {
  return (
    <div data-testid={testIds.controls.timeControls}>
      <Stack gap={1} alignItems="center">
        <TimeRangePicker
          value={time.range}
          timeZone={time.timeZone}
          onChange={time.setRange}
          onChangeTimeZone={time.setTimeZone}
          onMoveBackward={time.moveBackward}
          onMoveForward={time.moveForward}
          onZoom={time.zoomOut}
        />
        <RefreshPicker
          value={time.refresh}
          onIntervalChanged={time.setRefresh}
          onRefresh={time.refreshNow}
          isLoading={isLoading}
          intervals={['10s', '30s', '1m', '5m', '15m', '1h']}
        />
      </Stack>
    </div>
  );
}
