import React from 'react';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import Execution from './Execution';
import { fakeClient, renderPage } from '../testing/render';
import { makeExecution, makeStep, stepRoutesOver } from '../testing/fixtures';
import { giveElementsASize } from '../testing/layout';
import { testIds } from '../components/testIds';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  PanelRenderer: (props: {
    pluginId: string;
    data: { series: Array<{ meta?: { preferredVisualisationType?: string } }> };
  }) => (
    <div
      data-testid="panel"
      data-plugin-id={props.pluginId}
      data-vis={props.data.series[0].meta?.preferredVisualisationType}
    />
  ),
}));

const steps = [
  makeStep({ spanId: 'fetch', name: 'fetch-applicant', sequence: 0, reasoning: 'Applicant found' }),
  makeStep({
    spanId: 'score',
    name: 'credit-score',
    sequence: 1,
    status: 'failed',
    reasoning: 'Below threshold',
    error: { type: 'ThresholdError', message: 'score 512 below 600', stack: '' },
  }),
];
const routes = stepRoutesOver(makeExecution({ status: 'failed', errorMessage: 'score 512 below 600' }), steps);
const client = fakeClient(routes);

describe('Execution page', () => {
  let restoreLayout: () => void;
  beforeAll(() => {
    restoreLayout = giveElementsASize();
  });
  afterAll(() => restoreLayout());

  it('points at the failed step and shows its details first', async () => {
    renderPage(<Execution />, {
      client,
      url: '/a/xray-decisions-app/executions/exec-1',
      path: '/a/xray-decisions-app/executions/:executionId',
    });
    expect(await screen.findByTestId(testIds.execution.failureBanner)).toHaveTextContent('credit-score');
    expect(screen.getByTestId(testIds.stepDetails.container)).toHaveAttribute('data-span-id', 'score');
  });

  it('shows another step when it is clicked and keeps the choice in the URL', async () => {
    renderPage(<Execution />, {
      client,
      url: '/a/xray-decisions-app/executions/exec-1',
      path: '/a/xray-decisions-app/executions/:executionId',
    });
    const rows = await screen.findAllByTestId(testIds.timeline.row);
    fireEvent.click(rows[0]);
    await waitFor(() =>
      expect(screen.getByTestId(testIds.stepDetails.container)).toHaveAttribute('data-span-id', 'fetch')
    );
    expect(screen.getByTestId(testIds.stepDetails.reasoning)).toHaveTextContent('Applicant found');
  });

  it('reads the outline and the selected step, never the whole execution, for the timeline', async () => {
    const calls: string[] = [];
    const counting = fakeClient({
      getExecutionOutline: (id, limit) => (
        calls.push(`outline ${limit ?? 'all'}`),
        routes.getExecutionOutline(id, limit)
      ),
      getStepPage: (id, query) => (calls.push(`page ${query.offset}`), routes.getStepPage(id, query)),
      getStep: (id, spanId) => (calls.push(`step ${spanId}`), routes.getStep(id, spanId)),
    });
    renderPage(<Execution />, {
      client: counting,
      url: '/a/xray-decisions-app/executions/exec-1',
      path: '/a/xray-decisions-app/executions/:executionId',
    });
    await waitFor(
      () => expect(screen.getByTestId(testIds.stepDetails.container)).toHaveAttribute('data-loaded', 'true'),
      {
        timeout: 5000,
      }
    );
    expect(screen.getByTestId(testIds.stepDetails.reasoning)).toHaveTextContent('Below threshold');
    // The rows' input → output previews come from the first page.
    await waitFor(() =>
      expect(screen.getAllByTestId(testIds.timeline.preview)[0]).toHaveAttribute('data-loaded', 'true')
    );
    expect(calls.sort()).toEqual(['outline 200', 'outline all', 'page 0', 'step score']);
  });

  it('shows the first steps while the whole outline is on its way', async () => {
    renderPage(<Execution />, {
      client: fakeClient({
        ...routes,
        getExecutionOutline: async (id, limit) =>
          limit ? { ...(await routes.getExecutionOutline(id, limit)), total: 50_000 } : new Promise(() => {}),
      }),
      url: '/a/xray-decisions-app/executions/exec-1',
      path: '/a/xray-decisions-app/executions/:executionId',
    });
    expect(await screen.findByTestId(testIds.execution.outlineLoading)).toHaveTextContent('loading all 50,000');
    expect(screen.getAllByTestId(testIds.timeline.row)).toHaveLength(2);
  });

  it('opens a deep link on its step', async () => {
    renderPage(<Execution />, {
      client,
      url: '/a/xray-decisions-app/executions/exec-1?span=fetch',
      path: '/a/xray-decisions-app/executions/:executionId',
    });
    await waitFor(
      () => expect(screen.getByTestId(testIds.stepDetails.container)).toHaveAttribute('data-loaded', 'true'),
      {
        timeout: 5000,
      }
    );
    expect(screen.getByTestId(testIds.stepDetails.container)).toHaveAttribute('data-span-id', 'fetch');
  });

  it('renders the trace tab through the traces panel with a trace frame', async () => {
    renderPage(<Execution />, {
      client,
      url: '/a/xray-decisions-app/executions/exec-1?tab=trace',
      path: '/a/xray-decisions-app/executions/:executionId',
    });
    const panel = await screen.findByTestId('panel');
    expect(panel).toHaveAttribute('data-plugin-id', 'traces');
    expect(panel).toHaveAttribute('data-vis', 'trace');
  });
});
