import React from 'react';
import { act, render, screen } from '@testing-library/react';
import { CollectorRequestError, type CollectorClient } from '../../api/client';
import { CollectorClientProvider } from '../../api/hooks';
import { makeScore as score } from '../../testing/fixtures';
import { fakeClient } from '../../testing/render';
import { testIds } from '../testIds';
import { ScoresList } from './ScoresList';

function renderWith(client: CollectorClient) {
  return render(
    <CollectorClientProvider client={client}>
      <ScoresList executionId="exec-1" />
    </CollectorClientProvider>
  );
}

describe('ScoresList', () => {
  it('lists the latest score of each name with its author, comment, step and earlier count', async () => {
    const asked: string[] = [];
    renderWith(
      fakeClient({
        listScores: async (executionId) => {
          asked.push(executionId);
          return {
            scores: [
              score('correct', true, '2026-12-01T10:00:00.000Z'),
              score('correct', false, '2026-12-01T11:00:00.000Z', {
                author: 'alice',
                comment: 'wrong tier',
              }),
              score('confidence', 0.875, '2026-12-01T10:00:00.000Z', { stepSpanId: '00f067aa0ba902b7' }),
            ],
          };
        },
      })
    );
    const items = await screen.findAllByTestId(testIds.scores.item);
    expect(asked).toEqual(['exec-1']);
    expect(items.map((item) => item.getAttribute('data-score-name'))).toEqual(['confidence', 'correct']);
    expect(items[0]).toHaveTextContent('0.875');
    expect(items[0]).toHaveTextContent('on step 00f067aa0ba902b7');
    expect(items[0].querySelector(`[data-testid="${testIds.scores.earlier}"]`)).toBeNull();
    expect(items[1]).toHaveTextContent('false');
    expect(items[1]).toHaveTextContent('by alice');
    expect(items[1]).toHaveTextContent('+1 earlier');
    expect(items[1]).toHaveTextContent('wrong tier');
  });

  it('shows nothing without scores or when the collector has no scores route, and a failure otherwise', async () => {
    const { container, unmount } = renderWith(fakeClient({ listScores: async () => ({ scores: [] }) }));
    await act(async () => {});
    expect(container).toBeEmptyDOMElement();
    unmount();

    let answered = false;
    const missing = renderWith(
      fakeClient({
        listScores: () => {
          answered = true;
          return Promise.reject(new CollectorRequestError('Not found', 404, 'XRAY_ERR_NOT_FOUND'));
        },
      })
    );
    await act(async () => {});
    expect(answered).toBe(true);
    expect(missing.container).toBeEmptyDOMElement();
    missing.unmount();

    renderWith(fakeClient({ listScores: () => Promise.reject(new CollectorRequestError('boom', 500, undefined)) }));
    expect(await screen.findByText('Could not load the scores')).toBeInTheDocument();
  });
});
