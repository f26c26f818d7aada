/**
 * The live mode switch and the stream's state: connecting, live, or
 * reconnecting (with why and when), so a quiet table is never mistaken for
 * a quiet system.
 */
import React, { useEffect, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { InlineSwitch, useStyles2 } from '@grafana/ui';
import type { LiveState } from '../../api/live-tail';
import { testIds } from '../testIds';

function describe(state: LiveState | undefined, nowMillis: number): { text: string; tone: 'ok' | 'wait' | 'bad' } {
  if (!state) {
    return { text: '', tone: 'wait' };
  }
  switch (state.kind) {
    case 'connecting':
      return { text: 'Connecting…', tone: 'wait' };
    case 'live':
      return { text: state.notice ? `Live. ${state.notice}` : 'Live: new executions appear on top', tone: 'ok' };
    case 'reconnecting': {
      const seconds = Math.max(0, Math.ceil((state.retryAtMillis - nowMillis) / 1000));
      return { text: `Disconnected (${state.reason}). Reconnecting in ${seconds} s…`, tone: 'bad' };
    }
  }
}

export function LiveToggle({
  enabled,
  onChange,
  state,
  disabledReason,
}: {
  enabled: boolean;
  onChange: (enabled: boolean) => void;
  state: LiveState | undefined;
  /** Why live mode cannot follow these filters (then the switch is off and disabled). */
  disabledReason?: string;
}) {
  const styles = useStyles2(getStyles);
  const [now, setNow] = useState(() => Date.now());
  const reconnecting = state?.kind === 'reconnecting';
  useEffect(() => {
    if (!reconnecting) {
      return;
    }
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [reconnecting]);
  const shown = describe(enabled ? state : undefined, now);
  return (
    <div className={styles.row}>
      <InlineSwitch
        data-testid={testIds.live.toggle}
        label="Live"
        showLabel
        value={enabled && !disabledReason}
        disabled={Boolean(disabledReason)}
        onChange={(event) => onChange(event.currentTarget.checked)}
      />
      {(shown.text || disabledReason) && (
        <span
          data-testid={testIds.live.state}
          data-state={enabled ? (state?.kind ?? 'off') : 'off'}
          className={disabledReason ? styles.wait : styles[shown.tone]}
        >
          {disabledReason ?? shown.text}
        </span>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1) }),
  ok: css({ color: theme.colors.success.text, fontSize: theme.typography.bodySmall.fontSize }),
  wait: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  bad: css({ color: theme.colors.warning.text, fontSize: theme.typography.bodySmall.fontSize }),
});
