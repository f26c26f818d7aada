import { describe, expect, it } from 'vitest';
import { formatValueText } from '../../../../src/cli/format/json-value.js';

describe('json-value', () => {
  describe('formatValueText', () => {
    it('pretty-prints JSON text', () => {
      expect(formatValueText('{"score":712,"tags":["a"]}')).toEqual({
        lines: ['{', '  "score": 712,', '  "tags": [', '    "a"', '  ]', '}'],
        truncated: false,
      });
    });

    it('cuts long strings inside the JSON and says how much was cut', () => {
      const { lines, truncated } = formatValueText(JSON.stringify({ prompt: 'x'.repeat(250) }), { maxStringChars: 100 });
      expect(truncated).toBe(true);
      expect(lines[1]).toBe(`  "prompt": "${'x'.repeat(100)}… (+150 chars)"`);
    });

    it('cuts long documents after maxLines', () => {
      const { lines, truncated } = formatValueText(JSON.stringify(Array.from({ length: 100 }, (_, i) => i)), { maxLines: 5 });
      expect(truncated).toBe(true);
      expect(lines).toHaveLength(6);
      expect(lines[5]).toBe('… (97 more lines)');
    });

    it('prints text that is not JSON as it is', () => {
      expect(formatValueText('approved\nby rule 7')).toEqual({ lines: ['approved', 'by rule 7'], truncated: false });
    });
  });
});
