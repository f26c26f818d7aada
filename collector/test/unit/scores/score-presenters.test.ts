import { describe, expect, it } from 'vitest';
import { toScoreSeries } from '../../../src/scores/score-presenters.js';

describe('score-presenters', () => {
  describe('toScoreSeries', () => {
    it('folds value counts into one point per pipeline and bucket', () => {
      const day = 86_400_000;
      const series = toScoreSeries([
        { pipeline: 'loan', bucket_ms: '0', kind: 'boolean', value_text: 'false', scored: 3, value_sum: 0 },
        { pipeline: 'loan', bucket_ms: '0', kind: 'boolean', value_text: 'true', scored: 1, value_sum: 1 },
        { pipeline: 'loan', bucket_ms: String(day), kind: 'numeric', value_text: '', scored: 2, value_sum: 1.5 },
        { pipeline: 'fraud', bucket_ms: '0', kind: 'categorical', value_text: 'too-strict', scored: 2, value_sum: 0 },
      ]);
      expect(series).toEqual([
        {
          pipeline: 'loan',
          points: [
            { time: '1970-01-01T00:00:00.000Z', scored: 4, average: 0.25, values: { false: 3, true: 1 } },
            { time: '1970-01-02T00:00:00.000Z', scored: 2, average: 0.75, values: {} },
          ],
        },
        { pipeline: 'fraud', points: [{ time: '1970-01-01T00:00:00.000Z', scored: 2, average: null, values: { 'too-strict': 2 } }] },
      ]);
    });
  });
});
