import React from 'react';
import { render, screen } from '@testing-library/react';
import { testIds } from '../testIds';
import { MarkedSnippet } from './MarkedSnippet';
import { hitSnippet } from './MatchingSteps';
import { makeStep } from '../../testing/fixtures';

describe('MarkedSnippet', () => {
  it('marks the matches and renders recorded markup as text', () => {
    const text = 'Score <b onmouseover="x()">512</b> is below the threshold';
    const { container } = render(
      <MarkedSnippet text={text} ranges={[{ start: text.indexOf('thresh'), end: text.indexOf('thresh') + 6 }]} />
    );
    expect(screen.getByTestId(testIds.snippet.match).textContent).toBe('thresh');
    expect(container.querySelector('b')).toBeNull();
    expect(screen.getByTestId(testIds.snippet.container).textContent).toBe(text);
  });
});

describe('hitSnippet', () => {
  it('uses the collector’s snippet when there is one, else marks the search words in the reasoning', () => {
    const withSnippet = makeStep({
      spanId: 'a',
      reasoning: 'unrelated',
      snippet: {
        field: 'input',
        text: '"applicantId":"A-1042"',
        highlights: [[15, 21]],
        clippedStart: true,
        clippedEnd: false,
      },
    });
    const shown = hitSnippet(withSnippet, 'A-1042');
    expect(shown).toEqual({ field: 'input', text: '…"applicantId":"A-1042"', ranges: [{ start: 16, end: 22 }] });
    expect(shown.text.slice(16, 22)).toBe('A-1042');
    const plain = makeStep({ spanId: 'b', reasoning: 'Score below the threshold' });
    expect(hitSnippet(plain, 'thresh')).toEqual({
      field: 'reasoning',
      text: 'Score below the threshold',
      ranges: [{ start: 16, end: 22 }],
    });
  });
});
