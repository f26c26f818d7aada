import { describe, expect, it } from 'vitest';
import { AstDumpError, childCountsConsistent, parentsOf, parseAstDump } from '../../../src/sql-sandbox/ast-dump.js';

const SELECT_FROM_FILE = [
  'SelectWithUnionQuery (children 1)',
  ' ExpressionList (children 1)',
  '  SelectQuery (children 2)',
  '   ExpressionList (children 1)',
  '    Asterisk',
  '   TablesInSelectQuery (children 1)',
  '    TablesInSelectQueryElement (children 1)',
  '     TableExpression (children 1)',
  "      Function file (alias f) (children 1)",
  '       ExpressionList (children 1)',
  "        Literal '/etc/passwd'",
];

describe('sql-sandbox/ast-dump', () => {
  describe('parseAstDump', () => {
    it('reads depth, kind, detail and the children count of each line', () => {
      const nodes = parseAstDump(SELECT_FROM_FILE);
      expect(nodes[0]).toEqual({ depth: 0, kind: 'SelectWithUnionQuery', detail: '', children: 1 });
      expect(nodes[8]).toEqual({ depth: 6, kind: 'Function', detail: 'file (alias f)', children: 1 });
      expect(nodes[10]).toEqual({ depth: 8, kind: 'Literal', detail: "'/etc/passwd'", children: 0 });
    });

    it('refuses a line that is not shaped like a node (an identifier printing a line of its own)', () => {
      expect(() => parseAstDump(['SelectWithUnionQuery (children 1)', ' Literal UInt64_1 (alias c', 'd)'])).toThrow(AstDumpError);
    });

    it('refuses a jump of more than one level and a second root', () => {
      expect(() => parseAstDump(['SelectWithUnionQuery (children 1)', '   Literal 1'])).toThrow(AstDumpError);
      expect(() => parseAstDump(['ShowTables', 'ShowTables'])).toThrow(AstDumpError);
      expect(() => parseAstDump([])).toThrow(AstDumpError);
    });
  });

  describe('parentsOf', () => {
    it('finds each node\'s parent by indentation', () => {
      const parents = parentsOf(parseAstDump(SELECT_FROM_FILE));
      expect(parents.slice(0, 6)).toEqual([-1, 0, 1, 2, 3, 2]);
      expect(parents[8]).toBe(7);
    });
  });

  describe('childCountsConsistent', () => {
    it('is true when every node has the children ClickHouse announced', () => {
      expect(childCountsConsistent(parseAstDump(SELECT_FROM_FILE))).toBe(true);
    });

    it('is false when a line was added that the announced counts do not account for', () => {
      const spoofed = [...SELECT_FROM_FILE.slice(0, 5), '    Literal UInt64_1', ...SELECT_FROM_FILE.slice(5)];
      expect(childCountsConsistent(parseAstDump(spoofed))).toBe(false);
    });
  });
});
