import { describe, expect, it } from 'vitest';
import { csvField, csvRow } from '../../../src/export/csv.js';

describe('csv', () => {
  it('leaves plain fields alone and quotes those with commas, quotes or line breaks', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
  });
  it('writes numbers, nulls and objects', () => {
    expect(csvRow([1, null, undefined, { a: 'x,y' }, true])).toBe('1,,,"{""a"":""x,y""}",true\r\n');
  });
});
