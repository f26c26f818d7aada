/**
 * One execution: its decision timeline (a row per step, the failed step
 * marked, a detail pane for the selected step) and, in a second tab, the
 * same execution in Grafana's trace view. The tab and the selected step are
 * in the URL, so a link can point at the step that matters.
 */
import React, { useCallback, useMemo, useRef } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Button, LoadingPlaceholder, Tab, TabContent, TabsBar, useStyles2 } from '@grafana/ui';
import { useParams } from 'react-router-dom';
import { useExecution } from '../api/hooks';
import { QueryError } from '../components/common/QueryError';
import { ExecutionHeader } from '../components/execution/ExecutionHeader';
import { ExecutionDownloadButton } from '../components/export/DownloadButton';
import { StepDetails } from '../components/step-details/StepDetails';
import { testIds } from '../components/testIds';
import { Timeline, type TimelineHandle } from '../components/timeline/Timeline';
import { TraceView } from '../components/trace/TraceView';
import { layoutTimeline, rootCauseIndex } from '../data/timeline-layout';
import { usageTotals } from '../data/usage-totals';
import { toTraceFrame } from '../data/trace-frame';
import { prefixRoute, ROUTES } from '../constants';
import { useLinkWithTimeContext, useQueryParams } from '../hooks/use-url-state';

type TabId = 'timeline' | 'trace';

function Execution() {
  const styles = useStyles2(getStyles);
  const { executionId = '' } = useParams<{ executionId: string }>();
  const [query, update] = useQueryParams();
  const link = useLinkWithTimeContext();
  const tab: TabId = query.tab === 'trace' ? 'trace' : 'timeline';
  const execution = useExecution(executionId);
  const timelineRef = useRef<TimelineHandle>(null);

  const response = execution.value;
  const layout = useMemo(() => (response ? layoutTimeline(response.steps, response.execution) : undefined), [response]);
  const usage = useMemo(() => (layout ? usageTotals(layout.rows) : undefined), [layout]);
  const traceFrame = useMemo(
    () => (response && tab === 'trace' ? toTraceFrame(response.execution, response.steps) : undefined),
    [response, tab]
  );

  // The failure to point at: the deepest failed step of the first failing branch.
  const firstFailed = useMemo(() => {
    const index = layout ? rootCauseIndex(layout) : -1;
    return layout && index >= 0 ? layout.rows[index] : undefined;
  }, [layout]);
  const requestedSpan = typeof query.span === 'string' ? query.span : undefined;
  const selectedRow = useMemo(() => {
    if (!layout) {
      return undefined;
    }
    const requested = requestedSpan ? layout.rows.find((row) => row.step.spanId === requestedSpan) : undefined;
    return requested ?? firstFailed ?? layout.rows[0];
  }, [layout, requestedSpan, firstFailed]);

  const select = useCallback((spanId: string) => update({ span: spanId }, true), [update]);
  const jumpToFailed = () => {
    if (firstFailed) {
      select(firstFailed.step.spanId);
      timelineRef.current?.scrollToSpan(firstFailed.step.spanId);
    }
  };

  const title = response?.execution?.pipeline ?? 'Execution';
  return (
    <PluginPage
      actions={<ExecutionDownloadButton executionId={executionId} />}
      pageNav={{
        text: `${title} · ${executionId}`,
        parentItem: { text: 'Executions', url: link(prefixRoute(ROUTES.Executions)) },
      }}
    >
      <div className={styles.page} data-testid={testIds.execution.container} data-execution-id={executionId}>
        <QueryError title="Could not load the execution" error={execution.error} />
        {!response && execution.loading && <LoadingPlaceholder text="Loading execution…" />}
        {response && layout && (
          <>
            <ExecutionHeader
              execution={response.execution}
              stepCount={layout.rows.length}
              failedCount={layout.failedIndexes.length}
              usage={usage?.execution}
            />
            {firstFailed && (
              <div data-testid={testIds.execution.failureBanner}>
                <Alert severity="error" title={`Failed at step “${firstFailed.step.name}”`}>
                  <div className={styles.bannerBody}>
                    <span>
                      {firstFailed.step.error?.message ||
                        response.execution?.errorMessage ||
                        `The step's status is ${firstFailed.step.status}.`}
                      {layout.failedIndexes.length > 1 && ` (${layout.failedIndexes.length} steps failed)`}
                    </span>
                    <Button
                      size="sm"
                      variant="secondary"
                      icon="eye"
                      onClick={jumpToFailed}
                      data-testid={testIds.execution.jumpToFailed}
                    >
                      Show failed step
                    </Button>
                  </div>
                </Alert>
              </div>
            )}
            <TabsBar>
              <Tab
                label="Decision timeline"
                icon="list-ul"
                active={tab === 'timeline'}
                onChangeTab={() => update({ tab: null }, true)}
                data-testid={testIds.execution.tabTimeline}
              />
              <Tab
                label="Trace view"
                icon="gf-traces"
                active={tab === 'trace'}
                onChangeTab={() => update({ tab: 'trace' }, true)}
                data-testid={testIds.execution.tabTrace}
              />
            </TabsBar>
            <TabContent>
              {tab === 'timeline' ? (
                layout.rows.length === 0 ? (
                  <Alert severity="info" title="No steps recorded for this execution" />
                ) : (
                  <div className={styles.split}>
                    <Timeline
                      ref={timelineRef}
                      layout={layout}
                      selectedSpanId={selectedRow?.step.spanId}
                      onSelect={select}
                    />
                    <div className={styles.details}>
                      <StepDetails
                        row={selectedRow}
                        subtreeUsage={selectedRow ? usage?.bySubtree[selectedRow.index] : undefined}
                      />
                    </div>
                  </div>
                )
              ) : (
                traceFrame && <TraceView frame={traceFrame} startMillis={layout.startMillis} totalMs={layout.totalMs} />
              )}
            </TabContent>
          </>
        )}
      </div>
    </PluginPage>
  );
}

export default Execution;

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  bannerBody: css({
    display: 'flex',
    justifyContent: 'space-between',
    alignItems: 'center',
    gap: theme.spacing(2),
    flexWrap: 'wrap',
  }),
  split: css({
    display: 'grid',
    gridTemplateColumns: 'minmax(0, 3fr) minmax(340px, 2fr)',
    gap: theme.spacing(2),
    alignItems: 'start',
    paddingTop: theme.spacing(1),
    [theme.breakpoints.down('lg')]: { gridTemplateColumns: 'minmax(0, 1fr)' },
  }),
  details: css({
    position: 'sticky',
    top: theme.spacing(1),
    maxHeight: 'min(78vh, 800px)',
    display: 'flex',
    flexDirection: 'column',
  }),
});
