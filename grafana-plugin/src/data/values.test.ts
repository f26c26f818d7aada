import { jsonLeafText, LONG_VALUE_LINES, previewOf, toDisplayValue } from './values';

describe('values', () => {
  it('pretty-prints JSON text', () => {
    expect(toDisplayValue('{"a":1,"b":[1,2]}')).toMatchObject({
      kind: 'json',
      text: '{\n  "a": 1,\n  "b": [\n    1,\n    2\n  ]\n}',
    });
  });
  it('keeps other text and marks empty values', () => {
    expect(toDisplayValue('{not json')).toMatchObject({ kind: 'text', text: '{not json' });
    expect(toDisplayValue('  ')).toMatchObject({ kind: 'empty' });
  });
  it('marks long values and previews their first lines', () => {
    const long = toDisplayValue(JSON.stringify(Array.from({ length: 50 }, (_, i) => i)));
    expect(long.isLong).toBe(true);
    expect(previewOf(long).split('\n')).toHaveLength(LONG_VALUE_LINES);
    expect(toDisplayValue('short').isLong).toBe(false);
  });
  it('keeps numbers exactly as stored when pretty-printing', () => {
    const value = toDisplayValue('{"id":12345678901234567890,"price":1.10,"tiny":1e-7,"neg":-0.0}');
    expect(value.text).toBe('{\n  "id": 12345678901234567890,\n  "price": 1.10,\n  "tiny": 1e-7,\n  "neg": -0.0\n}');
    const parsed = value.parsed as Record<string, unknown>;
    expect(jsonLeafText(parsed.id)).toBe('12345678901234567890');
    expect(jsonLeafText(parsed.price)).toBe('1.10');
    expect(jsonLeafText('a "quoted" text')).toBe('"a \\"quoted\\" text"');
    expect(jsonLeafText(null)).toBe('null');
  });
});
