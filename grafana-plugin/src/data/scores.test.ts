import { makeScore as score } from '../testing/fixtures';
import { earlierLabel, formatScoreValue, latestScores } from './scores';

describe('latestScores', () => {
  it('keeps the latest score of each name with how many there are, names in order', () => {
    const latest = latestScores([
      score('correct', true, '2026-12-01T10:00:00.000Z', { author: 'bob' }),
      score('accuracy', 0.5, '2026-12-01T10:00:00.000Z'),
      score('correct', false, '2026-12-01T11:00:00.000Z', { author: 'alice', comment: 'wrong tier' }),
      score('correct', true, '2026-12-01T09:00:00.000Z'),
    ]);
    expect(latest.map((s) => [s.name, s.value, s.count, s.author, s.comment])).toEqual([
      ['accuracy', 0.5, 1, '', ''],
      ['correct', false, 3, 'alice', 'wrong tier'],
    ]);
    expect(latest[0]).not.toHaveProperty('executionId');
  });

  it('takes the one listed later of two with the same time', () => {
    const time = '2026-12-01T10:00:00.000Z';
    expect(latestScores([score('tier', 'A', time), score('tier', 'B', time)])[0].value).toBe('B');
  });

  it('is empty without scores', () => {
    expect(latestScores([])).toEqual([]);
  });
});

describe('score values and counts', () => {
  it('renders each kind', () => {
    expect(formatScoreValue('boolean', true)).toBe('true');
    expect(formatScoreValue('boolean', false)).toBe('false');
    expect(formatScoreValue('numeric', 0.123456)).toBe('0.1235');
    expect(formatScoreValue('numeric', 1500)).toBe('1,500');
    expect(formatScoreValue('categorical', 'wrong-tier')).toBe('wrong-tier');
  });

  it('says how many earlier scores the latest supersedes', () => {
    expect(earlierLabel(1)).toBe('');
    expect(earlierLabel(3)).toBe('+2 earlier');
  });
});
