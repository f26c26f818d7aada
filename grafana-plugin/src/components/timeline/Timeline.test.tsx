import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import { Timeline } from './Timeline';
import { layoutTimeline } from '../../data/timeline-layout';
import { makeExecution, makeStep } from '../../testing/fixtures';
import { giveElementsASize } from '../../testing/layout';
import { testIds } from '../testIds';

const steps = [
  makeStep({ spanId: 'fetch', name: 'fetch-applicant', sequence: 0, startMs: 0, durationMs: 30 }),
  makeStep({ spanId: 'score', name: 'credit-score', sequence: 1, startMs: 30, durationMs: 50, status: 'failed' }),
  makeStep({
    spanId: 'bureau',
    name: 'bureau-lookup',
    parentSpanId: 'score',
    sequence: 0,
    startMs: 35,
    durationMs: 20,
  }),
];
const layout = layoutTimeline(steps, makeExecution({ durationMs: 100 }));

describe('Timeline', () => {
  let restoreLayout: () => void;
  beforeAll(() => {
    restoreLayout = giveElementsASize();
  });
  afterAll(() => restoreLayout());

  it('draws one row per step, the failed one marked, bars placed by start and duration', () => {
    render(<Timeline layout={layout} selectedSpanId={undefined} onSelect={() => {}} />);
    const rows = screen.getAllByTestId(testIds.timeline.row);
    expect(rows.map((row) => row.getAttribute('data-span-id'))).toEqual(['fetch', 'score', 'bureau']);
    expect(rows.map((row) => row.getAttribute('data-failed'))).toEqual(['false', 'true', 'false']);
    expect(rows[2].getAttribute('data-depth')).toBe('1');
    const bar = rows[1].querySelector(`[data-testid="${testIds.timeline.bar}"]`) as HTMLElement;
    expect(bar.style.left).toBe('30%');
    expect(bar.style.width).toBe('50%');
  });

  it('selects a step on click and on Enter', () => {
    const onSelect = jest.fn();
    render(<Timeline layout={layout} selectedSpanId="fetch" onSelect={onSelect} />);
    const [first, second] = screen.getAllByTestId(testIds.timeline.row);
    expect(first.getAttribute('aria-selected')).toBe('true');
    fireEvent.click(second);
    expect(onSelect).toHaveBeenLastCalledWith('score');
    fireEvent.keyDown(first, { key: 'ArrowDown' });
    expect(onSelect).toHaveBeenLastCalledWith('score');
  });

  it('collapses and expands a parent step', () => {
    render(<Timeline layout={layout} selectedSpanId={undefined} onSelect={() => {}} />);
    fireEvent.click(screen.getByTestId(testIds.timeline.toggle));
    expect(screen.getAllByTestId(testIds.timeline.row)).toHaveLength(2);
    fireEvent.click(screen.getByTestId(testIds.timeline.toggle));
    expect(screen.getAllByTestId(testIds.timeline.row)).toHaveLength(3);
  });
});
