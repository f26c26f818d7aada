import React from 'react';
import { fireEvent, render, screen, within } from '@testing-library/react';
import { StepDetails } from './StepDetails';
import { layoutTimeline } from '../../data/timeline-layout';
import { makeExecution, makeStep } from '../../testing/fixtures';
import { testIds } from '../testIds';

function rowOf(step: Parameters<typeof makeStep>[0]) {
  return layoutTimeline([makeStep(step)], makeExecution()).rows[0];
}

describe('StepDetails', () => {
  it('shows reasoning, pretty-printed input and the error', () => {
    render(
      <StepDetails
        row={rowOf({
          spanId: 's1',
          name: 'credit-score',
          status: 'failed',
          reasoning: 'Score 512 is below the 600 threshold',
          input: '{"applicantId":"A-1"}',
          error: { type: 'ThresholdError', message: 'score below threshold', stack: 'at score()' },
          attributes: { 'app.region': 'eu' },
        })}
      />
    );
    expect(screen.getByTestId(testIds.stepDetails.reasoning)).toHaveTextContent('Score 512 is below the 600 threshold');
    expect(within(screen.getByTestId(testIds.stepDetails.input)).getByText(/"applicantId": "A-1"/)).toBeInTheDocument();
    expect(screen.getByTestId(testIds.stepDetails.error)).toHaveTextContent('ThresholdError');
    expect(screen.getByTestId(testIds.stepDetails.error)).toHaveTextContent('score below threshold');
    expect(screen.getByTestId(testIds.stepDetails.attributes)).toHaveTextContent('app.region');
    expect(screen.getByTestId(testIds.stepDetails.output)).toHaveTextContent('empty');
  });

  it('collapses long values until asked', () => {
    const output = JSON.stringify({ items: Array.from({ length: 40 }, (_, i) => `item-${i}`) });
    render(<StepDetails row={rowOf({ spanId: 's2', output })} />);
    const block = screen.getByTestId(testIds.stepDetails.output);
    expect(block).not.toHaveTextContent('item-39');
    fireEvent.click(within(block).getByTestId(testIds.stepDetails.expand));
    expect(block).toHaveTextContent('item-39');
  });

  it('asks for a selection when there is none', () => {
    render(<StepDetails row={undefined} />);
    expect(screen.getByTestId(testIds.stepDetails.container)).toHaveTextContent('Select a step');
  });
});
