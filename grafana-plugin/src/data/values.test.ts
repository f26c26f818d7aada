import { LONG_VALUE_LINES, previewOf, toDisplayValue } from './values';

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
});
