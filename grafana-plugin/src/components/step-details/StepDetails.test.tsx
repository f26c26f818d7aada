import React from 'react';
import { fireEvent, render, screen, within } from '@testing-library/react';
import { StepDetails } from './StepDetails';
import { layoutTimeline } from '../../data/timeline-layout';
import { makeExecution, makeStep } from '../../testing/fixtures';
import { testIds } from '../testIds';

/** The row (outline) and the full step, as the Execution page passes them once the step has arrived. */
function rowOf(spec: Parameters<typeof makeStep>[0]) {
  const step = makeStep(spec);
  return { row: layoutTimeline([step], makeExecution()).rows[0], step };
}

describe('StepDetails', () => {
  it('shows reasoning, pretty-printed input and the error', () => {
    render(
      <StepDetails
        {...rowOf({
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
    expect(screen.getByTestId(testIds.stepDetails.input)).toHaveTextContent('applicantId: "A-1"');
    expect(screen.getByTestId(testIds.stepDetails.error)).toHaveTextContent('ThresholdError');
    expect(screen.getByTestId(testIds.stepDetails.error)).toHaveTextContent('score below threshold');
    expect(screen.getByTestId(testIds.stepDetails.attributes)).toHaveTextContent('app.region');
    expect(screen.getByTestId(testIds.stepDetails.output)).toHaveTextContent('empty');
  });

  it('collapses long values until asked', () => {
    const output = JSON.stringify({ items: Array.from({ length: 40 }, (_, i) => `item-${i}`) });
    render(<StepDetails {...rowOf({ spanId: 's2', output })} />);
    const block = screen.getByTestId(testIds.stepDetails.output);
    fireEvent.click(within(block).getByRole('button', { name: 'Text' }));
    expect(block).not.toHaveTextContent('item-39');
    fireEvent.click(within(block).getByTestId(testIds.stepDetails.expand));
    expect(block).toHaveTextContent('item-39');
  });

  it('shows the outline at once and the payloads only once the selected step has arrived', () => {
    const { row, step } = rowOf({ spanId: 's5', name: 'rank', reasoning: 'Ranked by score', inputTokens: 12 });
    const { rerender } = render(<StepDetails row={row} />);
    const pane = screen.getByTestId(testIds.stepDetails.container);
    expect(pane).toHaveAttribute('data-loaded', 'false');
    expect(pane).toHaveTextContent('rank');
    expect(screen.getByTestId(testIds.stepDetails.usage)).toHaveTextContent('12 in / 0 out');
    expect(screen.queryByTestId(testIds.stepDetails.reasoning)).toBeNull();
    // The previous step's payloads are never shown under this step's name.
    rerender(<StepDetails row={row} step={makeStep({ spanId: 'other', reasoning: 'Not this one' })} />);
    expect(screen.queryByTestId(testIds.stepDetails.reasoning)).toBeNull();
    rerender(<StepDetails row={row} step={step} />);
    expect(screen.getByTestId(testIds.stepDetails.container)).toHaveAttribute('data-loaded', 'true');
    expect(screen.getByTestId(testIds.stepDetails.reasoning)).toHaveTextContent('Ranked by score');
  });

  it('says so when the step cannot be fetched', () => {
    const { row } = rowOf({ spanId: 's6' });
    render(<StepDetails row={row} error={new Error('collector unreachable')} />);
    expect(screen.getByTestId(testIds.stepDetails.container)).toHaveTextContent('collector unreachable');
  });

  it('asks for a selection when there is none', () => {
    render(<StepDetails row={undefined} />);
    expect(screen.getByTestId(testIds.stepDetails.container)).toHaveTextContent('Select a step');
  });

  it('shows JSON numbers exactly as stored, in a tree and as text, and copies the stored text', () => {
    const input = '{"id":12345678901234567890,"price":1.10,"nested":{"deep":{"x":[1.0,2]}}}';
    render(<StepDetails {...rowOf({ spanId: 's3', input })} />);
    const block = screen.getByTestId(testIds.stepDetails.input);
    const numbers = [...block.querySelectorAll('[data-json-kind="number"]')].map((node) => node.textContent);
    expect(numbers).toEqual(['12345678901234567890', '1.10', '1.0', '2']);
    // Deeper levels start folded.
    expect(block.querySelector('details[data-json-depth="2"]')).not.toHaveAttribute('open');
    fireEvent.click(within(block).getByRole('button', { name: 'Text' }));
    expect(block.querySelector('pre')?.textContent).toContain('"id": 12345678901234567890,\n  "price": 1.10');
  });

  it('renders reasoning Markdown without letting it inject markup', () => {
    const reasoning =
      '**Declined**: score `512` < 600\n\n- rule A\n- rule B\n\n<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    render(<StepDetails {...rowOf({ spanId: 's4', reasoning })} />);
    const section = screen.getByTestId(testIds.stepDetails.reasoning);
    expect(section.querySelector('strong')).toHaveTextContent('Declined');
    expect(section.querySelector('code')).toHaveTextContent('512');
    expect(section.querySelectorAll('li')).toHaveLength(2);
    expect(section.querySelector('script')).toBeNull();
    expect(section.querySelector('[onerror]')).toBeNull();
  });

  it('does not carry a value’s expanded state over to the next step', () => {
    const long = (tag: string) => Array.from({ length: 40 }, (_, i) => `${tag} line ${i}`).join('\n');
    const { rerender } = render(<StepDetails {...rowOf({ spanId: 'a', output: long('first') })} />);
    fireEvent.click(within(screen.getByTestId(testIds.stepDetails.output)).getByTestId(testIds.stepDetails.expand));
    expect(screen.getByTestId(testIds.stepDetails.output)).toHaveTextContent('first line 39');
    rerender(<StepDetails {...rowOf({ spanId: 'b', output: long('second') })} />);
    expect(screen.getByTestId(testIds.stepDetails.output)).not.toHaveTextContent('second line 39');
  });
});
