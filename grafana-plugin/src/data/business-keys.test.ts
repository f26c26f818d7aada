import {
  addBusinessKey,
  businessKeysFromQuery,
  MAX_BUSINESS_KEYS,
  parseBusinessKey,
  scoreFiltersFromQuery,
} from './business-keys';

describe('business-keys', () => {
  describe('parseBusinessKey', () => {
    it('trims the key and the value and keeps "=" inside the value', () => {
      expect(parseBusinessKey(' applicantId = A-1042 ')).toEqual({ ok: true, pair: 'applicantId=A-1042' });
      expect(parseBusinessKey('query=a=b')).toEqual({ ok: true, pair: 'query=a=b' });
      expect(parseBusinessKey('user.id=')).toEqual({ ok: true, pair: 'user.id=' });
    });

    it('refuses text without a key, as the collector does', () => {
      for (const text of ['A-1042', '=A-1042', '  =x', '']) {
        const parsed = parseBusinessKey(text);
        expect(parsed.ok).toBe(false);
      }
      expect(parseBusinessKey(`k=${'x'.repeat(1100)}`).ok).toBe(false);
    });
  });

  describe('addBusinessKey', () => {
    it('adds once and stops at the collector’s limit', () => {
      expect(addBusinessKey(['a=1'], 'b=2')).toEqual(['a=1', 'b=2']);
      expect(addBusinessKey(['a=1'], 'a=1')).toEqual(['a=1']);
      const full = Array.from({ length: MAX_BUSINESS_KEYS }, (_, i) => `k${i}=v`);
      expect(addBusinessKey(full, 'one=more')).toEqual({ message: `At most ${MAX_BUSINESS_KEYS} key=value filters` });
    });
  });

  describe('businessKeysFromQuery', () => {
    it('reads repeated `where` values, drops invalid ones and repeats', () => {
      expect(
        businessKeysFromQuery({ where: ['applicantId=A-1042', 'nokey', 'applicantId=A-1042', 'user.id=u-7'] })
      ).toEqual(['applicantId=A-1042', 'user.id=u-7']);
      expect(businessKeysFromQuery({ where: 'session.id=s-1' })).toEqual(['session.id=s-1']);
      expect(businessKeysFromQuery({})).toEqual([]);
    });
  });

  describe('scoreFiltersFromQuery', () => {
    it('reads score.<name> keys only', () => {
      expect(scoreFiltersFromQuery({ 'score.correct': 'false', score: 'x', 'score.': 'y', pipeline: 'p' })).toEqual({
        correct: 'false',
      });
      // locationSearchToObject turns "false" into a boolean.
      expect(scoreFiltersFromQuery({ 'score.correct': false as unknown as string })).toEqual({ correct: 'false' });
    });
  });
});
