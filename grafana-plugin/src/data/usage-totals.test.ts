import { makeStep } from '../testing/fixtures';
import { layoutTimeline } from './timeline-layout';
import { formatUsage, usageTotals } from './usage-totals';

describe('usageTotals', () => {
  it('sums tokens and cost over each subtree and the whole execution', () => {
    const steps = [
      makeStep({ spanId: 'a', parentSpanId: 'root', sequence: 1, inputTokens: 100, outputTokens: 10, costUsd: 0.01 }),
      makeStep({ spanId: 'a1', parentSpanId: 'a', sequence: 2, inputTokens: 50, outputTokens: 5, costUsd: 0.002 }),
      makeStep({ spanId: 'a1x', parentSpanId: 'a1', sequence: 3, inputTokens: 7, outputTokens: 1, costUsd: 0 }),
      makeStep({ spanId: 'b', parentSpanId: 'root', sequence: 4, inputTokens: 0, outputTokens: 0, costUsd: 0 }),
    ];
    const layout = layoutTimeline(steps, null);
    const { bySubtree, execution } = usageTotals(layout.rows);
    const byId = Object.fromEntries(layout.rows.map((row, i) => [row.step.spanId, bySubtree[i]]));
    expect(byId.a).toEqual({ inputTokens: 157, outputTokens: 16, costUsd: 0.012, modelSteps: 3 });
    expect(byId.a1).toEqual({ inputTokens: 57, outputTokens: 6, costUsd: 0.002, modelSteps: 2 });
    expect(byId.b).toEqual({ inputTokens: 0, outputTokens: 0, costUsd: 0, modelSteps: 0 });
    expect(execution).toEqual(byId.a);
    expect(formatUsage(execution)).toBe('157 in / 16 out · $0.0120');
    expect(formatUsage(byId.b)).toBe('');
  });
});
