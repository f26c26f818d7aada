import { describe, expect, it } from 'vitest';
import { parseAstDump } from '../../../src/sql-sandbox/ast-dump.js';
import { judgeStatement } from '../../../src/sql-sandbox/policy.js';
import { isSameTreePlusSettings } from '../../../src/sql-sandbox/sandbox.js';

const TABLE_FUNCTIONS = new Set(['file', 'numbers', 'url', 'format']);
const judge = (lines: string[]) => judgeStatement(parseAstDump(lines), TABLE_FUNCTIONS);

const select = (...body: string[]) => ['SelectWithUnionQuery (children 1)', ' ExpressionList (children 1)', `  SelectQuery (children ${body.filter((line) => line.startsWith('   ') && !line.startsWith('    ')).length})`, ...body];
const fromFunction = (name: string) =>
  select(
    '   ExpressionList (children 1)',
    '    Asterisk',
    '   TablesInSelectQuery (children 1)',
    '    TablesInSelectQueryElement (children 1)',
    '     TableExpression (children 1)',
    `      Function ${name} (children 1)`,
    '       ExpressionList (children 1)',
    '        Literal UInt64_10',
  );

describe('sql-sandbox/policy', () => {
  describe('judgeStatement', () => {
    it('allows a SELECT from an allowed generator', () => {
      expect(judge(fromFunction('numbers'))).toEqual({ allowed: true, statement: 'SELECT' });
    });

    it.each(['file', 'url', 'mysql', 'someNewTableFunction'])('refuses the table function %s', (name) => {
      expect(judge(fromFunction(name))).toMatchObject({ allowed: false, reason: expect.stringContaining(name.toLowerCase()) });
    });

    it('refuses a function named like a table function outside FROM (scalar file())', () => {
      const lines = select('   ExpressionList (children 1)', '    Function file (children 1)', '     ExpressionList (children 1)', "      Literal '/etc/passwd'");
      expect(judge(lines)).toMatchObject({ allowed: false });
    });

    it.each(['dictGet', 'joinGet', 'sleepEachRow'])('refuses the scalar function %s', (name) => {
      const lines = select('   ExpressionList (children 1)', `    Function ${name} (children 1)`, '     ExpressionList (children 1)', '      Literal UInt64_1');
      expect(judge(lines)).toMatchObject({ allowed: false });
    });

    it('refuses SETTINGS anywhere', () => {
      expect(judge(select('   ExpressionList (children 1)', '    Literal UInt64_1', '   Set'))).toMatchObject({ allowed: false, reason: expect.stringContaining('SETTINGS') });
    });

    it('refuses INTO OUTFILE and FORMAT (extra children of the statement)', () => {
      const withOutfile = ['SelectWithUnionQuery (children 2)', ' ExpressionList (children 1)', '  SelectQuery (children 1)', '   ExpressionList (children 1)', '    Literal UInt64_1', " Literal 'out.txt'"];
      expect(judge(withOutfile)).toMatchObject({ allowed: false, reason: expect.stringContaining('OUTFILE') });
      expect(judge(['ShowTables (children 1)', " Literal 'out.txt'"])).toMatchObject({ allowed: false });
    });

    it('allows SHOW, DESCRIBE, EXISTS and EXPLAIN of one SELECT', () => {
      expect(judge(['ShowTables'])).toMatchObject({ allowed: true });
      expect(judge(['DescribeQuery (children 1)', ' TableExpression (children 1)', '  TableIdentifier steps'])).toMatchObject({ allowed: true });
      expect(judge(['ExistsTableQuery  steps (children 1)', ' Identifier steps'])).toMatchObject({ allowed: true });
      const explain = ['Explain EXPLAIN PLAN (children 1)', ' SelectWithUnionQuery (children 1)', '  ExpressionList (children 1)', '   SelectQuery (children 1)', '    ExpressionList (children 1)', '     Literal UInt64_1'];
      expect(judge(explain)).toEqual({ allowed: true, statement: 'EXPLAIN PLAN' });
    });

    // Trees as ClickHouse 26.7 prints them for EXPLAIN indexes = 1 SELECT 1 [SETTINGS …] [FORMAT …].
    const explainSelect = (options: boolean, ...after: string[]) => [
      `Explain EXPLAIN (children ${(options ? 2 : 1) + after.length})`,
      ...(options ? [' Set'] : []),
      ' SelectWithUnionQuery (children 1)',
      '  ExpressionList (children 1)',
      '   SelectQuery (children 1)',
      '    ExpressionList (children 1)',
      '     Literal UInt64_1',
      ...after,
    ];

    it('allows EXPLAIN options (EXPLAIN indexes = 1 SELECT …): the Set before the query', () => {
      expect(judge(explainSelect(true))).toEqual({ allowed: true, statement: 'EXPLAIN' });
    });

    it('refuses an EXPLAIN whose query has SETTINGS, with or without options', () => {
      const inner = (options: boolean) => [
        `Explain EXPLAIN (children ${options ? 2 : 1})`,
        ...(options ? [' Set'] : []),
        ' SelectWithUnionQuery (children 1)',
        '  ExpressionList (children 1)',
        '   SelectQuery (children 2)',
        '    ExpressionList (children 1)',
        '     Literal UInt64_1',
        '    Set',
      ];
      expect(judge(inner(false))).toMatchObject({ allowed: false, reason: expect.stringContaining('SETTINGS') });
      expect(judge(inner(true))).toMatchObject({ allowed: false, reason: expect.stringContaining('SETTINGS') });
      // EXPLAIN SELECT 1 FORMAT TSV SETTINGS …: the settings after the query, a child of the Explain.
      expect(judge(explainSelect(false, ' Identifier TSV', ' Set'))).toMatchObject({ allowed: false });
      expect(judge(explainSelect(true, ' Identifier TSV', ' Set'))).toMatchObject({ allowed: false });
      expect(judge(explainSelect(true, ' Set'))).toMatchObject({ allowed: false });
    });

    it('refuses EXPLAIN of anything but a SELECT, and EXPLAIN TABLE OVERRIDE', () => {
      expect(judge(['Explain EXPLAIN (children 1)', ' InsertQuery (children 1)', '  Identifier t'])).toMatchObject({ allowed: false });
      expect(judge(['Explain EXPLAIN TABLE OVERRIDE (children 1)', ' TableOverride'])).toMatchObject({ allowed: false });
    });

    it.each(['InsertQuery', 'CreateQuery', 'DropQuery', 'AlterQuery', 'SystemQuery', 'KillQueryQuery', 'SetQuery', 'UseQuery', 'OptimizeQuery', 'RenameQuery'])(
      'refuses a %s statement',
      (kind) => {
        expect(judge([kind])).toMatchObject({ allowed: false, reason: expect.stringContaining(kind) });
      },
    );

    it('refuses a tree whose announced child counts do not add up', () => {
      expect(judge(['SelectWithUnionQuery (children 1)', ' ExpressionList', ' Literal 1'])).toMatchObject({ allowed: false });
    });
  });

  describe('isSameTreePlusSettings', () => {
    const before = parseAstDump(['SelectWithUnionQuery (children 1)', ' ExpressionList (children 1)', '  SelectQuery (children 1)', '   ExpressionList (children 1)', '    Literal UInt64_1']);
    it('is true when only the one Set node was added', () => {
      const after = parseAstDump(['SelectWithUnionQuery (children 1)', ' ExpressionList (children 1)', '  SelectQuery (children 2)', '   ExpressionList (children 1)', '    Literal UInt64_1', '   Set']);
      expect(isSameTreePlusSettings(before, after)).toBe(true);
    });

    it('keeps an EXPLAIN\'s options in place and counts only the appended Set', () => {
      const explain = (selectChildren: number, ...tail: string[]) =>
        parseAstDump(['Explain EXPLAIN (children 2)', ' Set', ' SelectWithUnionQuery (children 1)', '  ExpressionList (children 1)', `   SelectQuery (children ${selectChildren})`, '    ExpressionList (children 1)', '     Literal UInt64_1', ...tail]);
      expect(isSameTreePlusSettings(explain(1), explain(2, '    Set'))).toBe(true);
      expect(isSameTreePlusSettings(explain(1), explain(1))).toBe(false);
      const optionsMoved = parseAstDump(['Explain EXPLAIN (children 2)', ' SelectWithUnionQuery (children 1)', '  ExpressionList (children 1)', '   SelectQuery (children 2)', '    ExpressionList (children 1)', '     Literal UInt64_1', '    Set', ' Set']);
      expect(isSameTreePlusSettings(explain(1), optionsMoved)).toBe(false);
    });

    it('is false when anything else changed or two Set nodes appear', () => {
      const changed = parseAstDump(['SelectWithUnionQuery (children 1)', ' ExpressionList (children 1)', '  SelectQuery (children 2)', '   ExpressionList (children 1)', '    Literal UInt64_2', '   Set']);
      expect(isSameTreePlusSettings(before, changed)).toBe(false);
      const twice = parseAstDump(['SelectWithUnionQuery (children 1)', ' ExpressionList (children 1)', '  SelectQuery (children 3)', '   ExpressionList (children 1)', '    Literal UInt64_1', '   Set', '   Set']);
      expect(isSameTreePlusSettings(before, twice)).toBe(false);
    });
  });
});
