/**
 * One execution: its decision timeline (a row per step, the failed step
 * marked, a detail pane for the selected step) and, in a second tab, the
 * same execution in Grafana's trace view. The tab and the selected step are
 * in the URL, so a link can point at the step that matters (opening it
 * scrolls the timeline to that step).
 *
 * Nothing waits for payloads: the page lays out the execution's outline
 * (every step without payloads), previews arrive a page at a time for the
 * rows on screen, and a step's full payloads when it is selected. The search
 * box matches the outline at once and asks the collector which steps'
 * reasoning, error messages, inputs and outputs match. Only the trace view
 * reads the whole execution, when it is opened.
 */
import React, { useCallback, useEffect, useMemo, useRef } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Button, LoadingPlaceholder, Tab, TabContent, TabsBar, useStyles2 } from '@grafana/ui';
import { useParams } from 'react-router-dom';
import {
  PAYLOAD_SEARCH_LIMIT,
  PAYLOAD_SEARCH_SNIPPETS,
  type SearchPayloads,
  useExecutionOutline,
  useFullExecution,
  useStep,
  useStepPreviews,
} from '../api/step-hooks';
import { useCollectorClient } from '../api/hooks';
import { QueryError } from '../components/common/QueryError';
import { ExecutionHeader } from '../components/execution/ExecutionHeader';
import { ExecutionDownloadButton } from '../components/export/DownloadButton';
import { ScoresList } from '../components/scores/ScoresList';
import { StepDetails } from '../components/step-details/StepDetails';
import { testIds } from '../components/testIds';
import { Timeline, type TimelineHandle } from '../components/timeline/Timeline';
import { TraceView } from '../components/trace/TraceView';
import { outlineSteps } from '../data/step-outline';
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
  const outline = useExecutionOutline(executionId);
  const previews = useStepPreviews(executionId);
  const full = useFullExecution(executionId, tab === 'trace');
  const timelineRef = useRef<TimelineHandle>(null);
  const client = useCollectorClient();
  const searchPayloads = useCallback<SearchPayloads>(
    (text) =>
      client.searchExecution(executionId, text, { limit: PAYLOAD_SEARCH_LIMIT, snippets: PAYLOAD_SEARCH_SNIPPETS }),
    [client, executionId]
  );

  const response = outline.value;
  const layout = useMemo(
    () => (response ? layoutTimeline(outlineSteps(response), response.execution) : undefined),
    [response]
  );
  const usage = useMemo(() => (layout ? usageTotals(layout.rows) : undefined), [layout]);
  const traceFrame = useMemo(
    () => (full.value && tab === 'trace' ? toTraceFrame(full.value.execution, full.value.steps) : undefined),
    [full.value, tab]
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

  const selectedStep = useStep(executionId, selectedRow?.step.spanId);

  // A deep link (?span=) scrolls to its step once the timeline is laid out.
  const scrolledFor = useRef<unknown>(undefined);
  useEffect(() => {
    if (layout && requestedSpan && scrolledFor.current !== layout && tab === 'timeline') {
      scrolledFor.current = layout;
      timelineRef.current?.scrollToSpan(requestedSpan);
    }
  }, [layout, requestedSpan, tab]);

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
        <QueryError title="Could not load the execution" error={outline.error} />
        {!response && outline.loading && <LoadingPlaceholder text="Loading execution…" />}
        {response && layout && (
          <>
            <ExecutionHeader
              execution={response.execution}
              stepCount={response.total}
              failedCount={layout.failedIndexes.length}
              usage={usage?.execution}
            />
            <ScoresList executionId={executionId} />
            {firstFailed && (
              <div data-testid={testIds.execution.failureBanner}>
                <Alert severity="error" title={`Failed at step “${firstFailed.step.name}”`}>
                  <div className={styles.bannerBody}>
                    <span>
                      {firstFailed.step.errorMessage ||
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
            {outline.partial && (
              <div data-testid={testIds.execution.outlineLoading}>
                <LoadingPlaceholder
                  text={`Showing the first ${layout.rows.length.toLocaleString('en-US')} steps; loading all ${response.total.toLocaleString('en-US')}…`}
                />
              </div>
            )}
            {!outline.partial && layout.rows.length < response.total && (
              <Alert severity="warning" title="Part of the execution is shown">
                The first {layout.rows.length.toLocaleString('en-US')} of {response.total.toLocaleString('en-US')} steps
                are on the timeline.
              </Alert>
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
                      previews={previews}
                      searchPayloads={searchPayloads}
                    />
                    <div className={styles.details}>
                      <StepDetails
                        row={selectedRow}
                        step={selectedStep.value}
                        error={selectedStep.error}
                        subtreeUsage={selectedRow ? usage?.bySubtree[selectedRow.index] : undefined}
                      />
                    </div>
                  </div>
                )
              ) : (
                <>
                  <QueryError title="Could not load the execution's spans" error={full.error} />
                  {!traceFrame && full.loading && <LoadingPlaceholder text="Loading every span of the execution…" />}
                  {traceFrame && (
                    <TraceView frame={traceFrame} startMillis={layout.startMillis} totalMs={layout.totalMs} />
                  )}
                </>
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
