/**
 * Every test id in the plugin, in one place, so unit tests, browser tests
 * and components agree. Grafana's convention: the value starts with
 * `data-testid`.
 */
export const testIds = {
  appConfig: {
    container: 'data-testid xray-config',
    collectorUrl: 'data-testid xray-config-collector-url',
    apiKey: 'data-testid xray-config-api-key',
    submit: 'data-testid xray-config-submit',
    testConnection: 'data-testid xray-config-test-connection',
    status: 'data-testid xray-config-status',
  },
  controls: {
    pipeline: 'data-testid xray-filter-pipeline',
    environment: 'data-testid xray-filter-environment',
    status: 'data-testid xray-filter-status',
    search: 'data-testid xray-filter-search',
    timeControls: 'data-testid xray-time-controls',
  },
  overview: {
    container: 'data-testid xray-overview',
    stat: 'data-testid xray-overview-stat',
    failureRatePanel: 'data-testid xray-overview-failure-rate',
    executionsPanel: 'data-testid xray-overview-executions',
    durationPanel: 'data-testid xray-overview-duration',
    p95ByPipelinePanel: 'data-testid xray-overview-p95-by-pipeline',
    topFailingSteps: 'data-testid xray-overview-top-failing-steps',
    scoreSharePanel: 'data-testid xray-overview-score-share',
    costPanel: 'data-testid xray-overview-cost',
    costUnavailable: 'data-testid xray-overview-cost-unavailable',
  },
  executions: {
    container: 'data-testid xray-executions',
    table: 'data-testid xray-executions-table',
    row: 'data-testid xray-executions-row',
    link: 'data-testid xray-executions-link',
    loadMore: 'data-testid xray-executions-load-more',
    empty: 'data-testid xray-executions-empty',
  },
  execution: {
    outcome: 'data-testid xray-execution-outcome',
    metadata: 'data-testid xray-execution-metadata',
    usage: 'data-testid xray-execution-usage',
    container: 'data-testid xray-execution',
    header: 'data-testid xray-execution-header',
    failureBanner: 'data-testid xray-execution-failure',
    jumpToFailed: 'data-testid xray-execution-jump-to-failed',
    tabTimeline: 'data-testid xray-execution-tab-timeline',
    tabTrace: 'data-testid xray-execution-tab-trace',
  },
  timeline: {
    container: 'data-testid xray-timeline',
    scroll: 'data-testid xray-timeline-scroll',
    row: 'data-testid xray-timeline-row',
    bar: 'data-testid xray-timeline-bar',
    toggle: 'data-testid xray-timeline-toggle',
  },
  stepDetails: {
    usage: 'data-testid xray-step-usage',
    container: 'data-testid xray-step-details',
    reasoning: 'data-testid xray-step-reasoning',
    input: 'data-testid xray-step-input',
    output: 'data-testid xray-step-output',
    error: 'data-testid xray-step-error',
    attributes: 'data-testid xray-step-attributes',
    expand: 'data-testid xray-step-value-expand',
  },
  trace: {
    container: 'data-testid xray-trace-view',
  },
  export: {
    button: 'data-testid xray-export-button',
    choice: 'data-testid xray-export',
    executionButton: 'data-testid xray-execution-download',
  },
  live: {
    toggle: 'data-testid xray-live-toggle',
    state: 'data-testid xray-live-state',
  },
  businessKeys: {
    input: 'data-testid xray-business-key-input',
    pill: 'data-testid xray-business-key-pill',
    error: 'data-testid xray-business-key-error',
  },
  compare: {
    select: 'data-testid xray-compare-select',
    open: 'data-testid xray-compare-open',
    container: 'data-testid xray-compare',
    summary: 'data-testid xray-compare-summary',
    row: 'data-testid xray-compare-row',
    change: 'data-testid xray-compare-change',
    diffLine: 'data-testid xray-compare-diff-line',
  },
  snippet: {
    container: 'data-testid xray-snippet',
    match: 'data-testid xray-snippet-match',
    hit: 'data-testid xray-step-hit',
  },
};
