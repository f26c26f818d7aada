import React from 'react';
import { act, fireEvent, render, screen } from '@testing-library/react';
import type { ExecutionSearchResponse } from '../../api/types';
import { PAYLOAD_SEARCH_DELAY_MILLIS } from '../../api/step-hooks';
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

  it('selects a step on click and on Enter; the arrows move the focus, not the selection', () => {
    const onSelect = jest.fn();
    render(<Timeline layout={layout} selectedSpanId="fetch" onSelect={onSelect} />);
    const [first, second] = screen.getAllByTestId(testIds.timeline.row);
    expect(first.getAttribute('aria-selected')).toBe('true');
    fireEvent.click(second);
    expect(onSelect).toHaveBeenLastCalledWith('score');
    onSelect.mockClear();
    fireEvent.keyDown(first, { key: 'ArrowDown' });
    expect(onSelect).not.toHaveBeenCalled();
    fireEvent.keyDown(second, { key: 'Enter' });
    expect(onSelect).toHaveBeenLastCalledWith('score');
  });

  it('makes exactly one row a tab stop: the focused one', () => {
    render(<Timeline layout={layout} selectedSpanId="fetch" onSelect={() => {}} />);
    const tabStops = () =>
      screen
        .getAllByTestId(testIds.timeline.row)
        .filter((row) => row.tabIndex === 0)
        .map((row) => row.getAttribute('data-span-id'));
    expect(tabStops()).toEqual(['fetch']);
    fireEvent.focus(screen.getAllByTestId(testIds.timeline.row)[2]);
    expect(tabStops()).toEqual(['bureau']);
  });

  it('collapses with ← and expands with →', () => {
    render(<Timeline layout={layout} selectedSpanId={undefined} onSelect={() => {}} />);
    const score = () => screen.getAllByTestId(testIds.timeline.row)[1];
    fireEvent.keyDown(score(), { key: 'ArrowLeft' });
    expect(screen.getAllByTestId(testIds.timeline.row)).toHaveLength(2);
    fireEvent.keyDown(score(), { key: 'ArrowRight' });
    expect(screen.getAllByTestId(testIds.timeline.row)).toHaveLength(3);
  });

  it('finds steps by name, highlights them and selects the next match', () => {
    const onSelect = jest.fn();
    render(<Timeline layout={layout} selectedSpanId={undefined} onSelect={onSelect} />);
    fireEvent.change(screen.getByTestId(testIds.timeline.search), { target: { value: 'SCORE' } });
    expect(screen.getByTestId(testIds.timeline.searchCount)).toHaveTextContent('– of 1');
    const matched = screen.getAllByTestId(testIds.timeline.row).filter((row) => row.dataset.match === 'true');
    expect(matched.map((row) => row.dataset.spanId)).toEqual(['score']);
    expect(matched[0].querySelector('mark')).toHaveTextContent('score');
    fireEvent.keyDown(screen.getByTestId(testIds.timeline.search), { key: 'Enter' });
    expect(onSelect).toHaveBeenLastCalledWith('score');
    expect(screen.getByTestId(testIds.timeline.searchCount)).toHaveTextContent('1 of 1');
    fireEvent.change(screen.getByTestId(testIds.timeline.search), { target: { value: '#0' } });
    expect(screen.getByTestId(testIds.timeline.searchCount)).toHaveTextContent('– of 2');
  });

  describe('search in payloads', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    /** A collector search that answers when told to, recording what it was asked. */
    function deferredSearch() {
      const asked: string[] = [];
      const answers: Array<(response: ExecutionSearchResponse) => void> = [];
      const fail: Array<(error: Error) => void> = [];
      const search = (query: string) =>
        new Promise<ExecutionSearchResponse>((resolve, reject) => {
          asked.push(query);
          answers.push(resolve);
          fail.push(reject);
        });
      return { search, asked, answers, fail };
    }
    const typeIn = (text: string) =>
      fireEvent.change(screen.getByTestId(testIds.timeline.search), { target: { value: text } });
    const count = () => screen.getByTestId(testIds.timeline.searchCount);
    const rowOf = (spanId: string) =>
      screen.getAllByTestId(testIds.timeline.row).find((row) => row.dataset.spanId === spanId)!;

    it('counts name matches at once, asks the collector once typing pauses, then adds its matches with their snippets', async () => {
      const collector = deferredSearch();
      const onSelect = jest.fn();
      render(
        <Timeline
          layout={layout}
          selectedSpanId={undefined}
          onSelect={onSelect}
          previews={{ at: () => undefined, request: () => {} }}
          searchPayloads={collector.search}
        />
      );
      typeIn('sco');
      typeIn('score');
      expect(count()).toHaveTextContent('– of 1…');
      expect(count().dataset.payloadSearch).toBe('loading');
      act(() => jest.advanceTimersByTime(PAYLOAD_SEARCH_DELAY_MILLIS));
      // Only the text typing paused on was sent.
      expect(collector.asked).toEqual(['score']);
      await act(async () =>
        collector.answers[0]({
          spanIds: ['fetch', 'bureau'],
          truncated: false,
          snippets: [
            {
              spanId: 'bureau',
              snippet: {
                field: 'output',
                text: '{"score":712}',
                highlights: [[2, 7]],
                clippedStart: false,
                clippedEnd: false,
              },
            },
          ],
        })
      );
      expect(count()).toHaveTextContent('– of 3');
      expect(count().dataset.payloadSearch).toBe('done');
      expect(rowOf('fetch').dataset.match).toBe('true');
      expect(rowOf('fetch').dataset.payloadMatch).toBe('true');
      expect(rowOf('score').dataset.payloadMatch).toBeUndefined();
      // Where it matched, in place of the preview, the match marked.
      const snippet = rowOf('bureau').querySelector(`[data-testid="${testIds.timeline.snippet}"]`) as HTMLElement;
      expect(snippet.dataset.field).toBe('output');
      expect(snippet.querySelector('mark')).toHaveTextContent('score');
      // Next and previous walk every match in tree order.
      fireEvent.keyDown(screen.getByTestId(testIds.timeline.search), { key: 'Enter' });
      expect(onSelect).toHaveBeenLastCalledWith('fetch');
      fireEvent.click(screen.getByTestId(testIds.timeline.searchNext));
      expect(onSelect).toHaveBeenLastCalledWith('score');
      fireEvent.click(screen.getByTestId(testIds.timeline.searchNext));
      expect(onSelect).toHaveBeenLastCalledWith('bureau');
      expect(count()).toHaveTextContent('3 of 3');
      fireEvent.click(screen.getByTestId(testIds.timeline.searchPrevious));
      expect(onSelect).toHaveBeenLastCalledWith('score');
    });

    it('never asks for #sequence lookups, drops an answer for an older text, and falls back to names when the collector fails', async () => {
      const collector = deferredSearch();
      render(
        <Timeline layout={layout} selectedSpanId={undefined} onSelect={() => {}} searchPayloads={collector.search} />
      );
      typeIn('#1');
      act(() => jest.advanceTimersByTime(PAYLOAD_SEARCH_DELAY_MILLIS));
      expect(collector.asked).toEqual([]);
      expect(count().dataset.payloadSearch).toBe('off');

      typeIn('fetch');
      act(() => jest.advanceTimersByTime(PAYLOAD_SEARCH_DELAY_MILLIS));
      typeIn('bureau');
      act(() => jest.advanceTimersByTime(PAYLOAD_SEARCH_DELAY_MILLIS));
      expect(collector.asked).toEqual(['fetch', 'bureau']);
      // The answer for "fetch" arrives late: it must not count for "bureau".
      await act(async () => collector.answers[0]({ spanIds: ['score'], truncated: false, snippets: [] }));
      expect(count()).toHaveTextContent('– of 1…');
      await act(async () => collector.fail[1](new Error('collector unreachable')));
      expect(count().dataset.payloadSearch).toBe('error');
      expect(count()).toHaveTextContent('– of 1 (names only)');
      expect(count().getAttribute('title')).toContain('collector unreachable');
    });
  });

  it('collapses all, shows one level, and expands all', () => {
    render(<Timeline layout={layout} selectedSpanId={undefined} onSelect={() => {}} />);
    fireEvent.click(screen.getByTestId(testIds.timeline.collapseAll));
    expect(screen.getAllByTestId(testIds.timeline.row)).toHaveLength(2);
    fireEvent.click(screen.getByTestId(testIds.timeline.expandAll));
    expect(screen.getAllByTestId(testIds.timeline.row)).toHaveLength(3);
    fireEvent.click(screen.getAllByTestId(testIds.timeline.depth)[0]);
    expect(screen.getAllByTestId(testIds.timeline.row)).toHaveLength(2);
  });

  it('zooms the time axis: bars are placed in the zoomed window', () => {
    render(<Timeline layout={layout} selectedSpanId={undefined} onSelect={() => {}} />);
    fireEvent.click(screen.getByTestId(testIds.timeline.zoomIn));
    // The middle half (25 ms to 75 ms) fills the track: credit-score (30-80 ms) starts at 10% and is 100% long.
    const bar = screen
      .getAllByTestId(testIds.timeline.row)[1]
      .querySelector(`[data-testid="${testIds.timeline.bar}"]`) as HTMLElement;
    expect(parseFloat(bar.style.left)).toBeCloseTo(10);
    expect(parseFloat(bar.style.width)).toBeCloseTo(100);
    fireEvent.click(screen.getByTestId(testIds.timeline.zoomReset));
    expect(screen.getByTestId(testIds.timeline.container)).toHaveAttribute('data-view', '0,1');
  });

  it('collapses and expands a parent step', () => {
    render(<Timeline layout={layout} selectedSpanId={undefined} onSelect={() => {}} />);
    fireEvent.click(screen.getByTestId(testIds.timeline.toggle));
    expect(screen.getAllByTestId(testIds.timeline.row)).toHaveLength(2);
    fireEvent.click(screen.getByTestId(testIds.timeline.toggle));
    expect(screen.getAllByTestId(testIds.timeline.row)).toHaveLength(3);
  });
});
