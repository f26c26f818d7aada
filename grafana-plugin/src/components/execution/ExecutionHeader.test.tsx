import React from 'react';
import { render, screen } from '@testing-library/react';
import { ExecutionHeader } from './ExecutionHeader';
import { makeExecution } from '../../testing/fixtures';
import { testIds } from '../testIds';

describe('ExecutionHeader', () => {
  it('shows the outcome, the metadata and the execution’s token and cost totals', () => {
    render(
      <ExecutionHeader
        execution={{
          ...makeExecution(),
          finalOutcome: { decision: 'declined', score: 512 },
          metadata: { channel: 'web' },
        }}
        stepCount={3}
        failedCount={1}
        usage={{ inputTokens: 1200, outputTokens: 80, costUsd: 0.0123, modelSteps: 2 }}
      />
    );
    expect(screen.getByTestId(testIds.execution.outcome)).toHaveTextContent('decision: "declined"');
    expect(screen.getByTestId(testIds.execution.outcome)).toHaveTextContent('score: 512');
    expect(screen.getByTestId(testIds.execution.metadata)).toHaveTextContent('channel: "web"');
    expect(screen.getByTestId(testIds.execution.usage)).toHaveTextContent('1,200 in / 80 out · $0.0123');
  });

  it('leaves out what was not recorded', () => {
    render(
      <ExecutionHeader
        execution={{ ...makeExecution(), finalOutcome: null, metadata: {} }}
        stepCount={1}
        failedCount={0}
        usage={{ inputTokens: 0, outputTokens: 0, costUsd: 0, modelSteps: 0 }}
      />
    );
    expect(screen.queryByTestId(testIds.execution.outcome)).toBeNull();
    expect(screen.queryByTestId(testIds.execution.metadata)).toBeNull();
    expect(screen.queryByTestId(testIds.execution.usage)).toBeNull();
  });
  it('shows the outcome and metadata as stored when the route sends their text, digits a number cannot hold included', () => {
    render(
      <ExecutionHeader
        execution={{
          ...makeExecution(),
          // What JSON.parse made of them in the browser, and the texts the collector stored.
          finalOutcome: { limit: 12345678901234567000, rate: 1.1 },
          finalOutcomeText: '{"limit":12345678901234567890,"rate":1.10}',
          metadata: { score: 0.30000000000000004 },
          metadataText: '{"score":0.30000000000000004}',
        }}
        stepCount={1}
        failedCount={0}
      />
    );
    expect(screen.getByTestId(testIds.execution.outcome)).toHaveTextContent('limit: 12345678901234567890');
    expect(screen.getByTestId(testIds.execution.outcome)).toHaveTextContent('rate: 1.10');
    expect(screen.getByTestId(testIds.execution.metadata)).toHaveTextContent('score: 0.30000000000000004');
  });
});
