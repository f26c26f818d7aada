import { costCell, formatUsd, tokensCell, totalTokens } from './execution-usage';

describe('executions list usage cells', () => {
  it('shows total tokens with the input/output split in the tooltip, blank without tokens', () => {
    expect(tokensCell({ inputTokens: 1234, outputTokens: 567 })).toEqual({
      text: '1,801',
      title: '1,234 input + 567 output tokens',
    });
    expect(tokensCell({ inputTokens: 0, outputTokens: 0 })).toEqual({ text: '', title: '' });
    expect(tokensCell({})).toEqual({ text: '', title: '' });
    expect(totalTokens({ inputTokens: 10 })).toBe(10);
    expect(totalTokens({})).toBe(0);
  });

  it('formats dollars by size', () => {
    expect(formatUsd(12.345)).toBe('$12.35');
    expect(formatUsd(1234.5)).toBe('$1,234.50');
    expect(formatUsd(0.01234)).toBe('$0.0123');
    expect(formatUsd(0.00001)).toBe('<$0.0001');
  });

  it('marks a cost with an estimated part and says how much of it was estimated', () => {
    expect(costCell({ costUsd: 0.05 })).toEqual({ text: '$0.0500', title: 'Reported by the sender' });
    expect(costCell({ costUsd: 0.05, estimatedCostUsd: 0 }).text).toBe('$0.0500');
    expect(costCell({ costUsd: 0.05, estimatedCostUsd: 0.05 })).toEqual({
      text: '~$0.0500',
      title: 'Estimated from the price table (no cost was reported)',
    });
    expect(costCell({ costUsd: 0.05, estimatedCostUsd: 0.02 })).toEqual({
      text: '~$0.0500',
      title: '$0.0200 of it estimated from the price table, the rest reported by the sender',
    });
  });

  it('leaves the cost blank when zero or absent', () => {
    expect(costCell({ costUsd: 0 })).toEqual({ text: '', title: '' });
    expect(costCell({})).toEqual({ text: '', title: '' });
  });
});
