import { excerpt, findWordPrefixMatches, normalizeRanges, toSegments } from './snippet';

describe('snippet', () => {
  describe('findWordPrefixMatches', () => {
    it('matches search words at word starts, ASCII case-insensitively', () => {
      const text = 'Bureau score 512 is below the 600 Threshold; rethreshold is not a word start.';
      const ranges = findWordPrefixMatches(text, 'thresh below');
      expect(ranges.map((range) => text.slice(range.start, range.end))).toEqual(['below', 'Thresh']);
      expect(findWordPrefixMatches(text, '   ')).toEqual([]);
      expect(findWordPrefixMatches('A-1042 rejected', 'A-1042').map((r) => [r.start, r.end])).toEqual([
        [0, 1],
        [2, 6],
      ]);
    });
  });

  describe('toSegments', () => {
    it('cuts the text into marked and unmarked segments, merging overlaps', () => {
      expect(
        toSegments('below the threshold', [
          { start: 10, end: 16 },
          { start: 12, end: 19 },
        ])
      ).toEqual([
        { text: 'below the ', marked: false },
        { text: 'threshold', marked: true },
      ]);
      expect(toSegments('plain', [])).toEqual([{ text: 'plain', marked: false }]);
      expect(toSegments('', [])).toEqual([{ text: '', marked: false }]);
      // Markup in the text stays text: the segments are rendered as React text nodes.
      expect(toSegments('<img src=x onerror=alert(1)>', [{ start: 1, end: 4 }])[1]).toEqual({
        text: 'img',
        marked: true,
      });
    });

    it('ignores ranges outside the text', () => {
      expect(
        normalizeRanges(
          [
            { start: -5, end: 2 },
            { start: 8, end: 50 },
            { start: 3, end: 3 },
          ],
          10
        )
      ).toEqual([
        { start: 0, end: 2 },
        { start: 8, end: 10 },
      ]);
    });
  });

  describe('excerpt', () => {
    it('keeps the first match in view of a long text, with ellipses where cut', () => {
      const text = `${'a '.repeat(300)}threshold ${'b '.repeat(300)}`;
      const start = text.indexOf('threshold');
      const cut = excerpt(text, [{ start, end: start + 6 }], 60);
      expect(cut.text.startsWith('…')).toBe(true);
      expect(cut.text.endsWith('…')).toBe(true);
      expect(cut.text.length).toBe(62);
      expect(cut.ranges).toHaveLength(1);
      expect(cut.text.slice(cut.ranges[0].start, cut.ranges[0].end)).toBe('thresh');
      expect(excerpt('short', [{ start: 0, end: 2 }])).toEqual({ text: 'short', ranges: [{ start: 0, end: 2 }] });
    });
  });
});
