import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR } from '../../../src/config.js';
import {
  EXPLANATION_WORDS,
  MAX_SEARCH_TERMS,
  PAYLOAD_WORDS,
  parseSearch,
  searchWords,
  stepSearchCondition,
  termPattern,
  wordPattern,
} from '../../../src/store/step-search.js';

describe('step-search', () => {
  describe('searchWords', () => {
    it('splits as splitByNonAlpha does, lower-casing ASCII letters only', () => {
      expect(searchWords('Credit-Score below 42, A-1042 Ünïcode')).toEqual(['credit', 'score', 'below', '42', 'a', '1042', 'Ünïcode']);
    });
  });

  describe('parseSearch', () => {
    it('reads bare words as prefixes and quoted words as phrases', () => {
      expect(parseSearch('thresh "credit score below" A-1042')).toEqual({
        ok: true,
        terms: [
          { kind: 'prefix', word: 'thresh' },
          { kind: 'phrase', words: ['credit', 'score', 'below'] },
          { kind: 'phrase', words: ['a', '1042'] },
        ],
      });
    });

    it('lets an unclosed quote run to the end', () => {
      expect(parseSearch('manual "freshness thresh')).toEqual({
        ok: true,
        terms: [{ kind: 'prefix', word: 'manual' }, { kind: 'phrase', words: ['freshness', 'thresh'] }],
      });
    });

    it('refuses a search without words, and one with too many terms', () => {
      expect(parseSearch(' "" - ')).toMatchObject({ ok: false, message: expect.stringContaining('has no words') });
      const many = Array.from({ length: MAX_SEARCH_TERMS + 1 }, (_, i) => `word${i}`).join(' ');
      expect(parseSearch(many)).toMatchObject({ ok: false, message: expect.stringContaining(`at most ${MAX_SEARCH_TERMS}`) });
    });
  });

  describe('termPattern', () => {
    it('anchors a prefix at a word start in reasoning, and a whole word in input', () => {
      const term = { kind: 'prefix', word: 'thresh' } as const;
      expect(termPattern(term, 'reasoning')).toBe('(?:^|[^0-9A-Za-z\\x{80}-\\x{10FFFF}])[tT][hH][rR][eE][sS][hH]');
      expect(termPattern(term, 'input')).toBe('(?:^|[^0-9A-Za-z\\x{80}-\\x{10FFFF}])[tT][hH][rR][eE][sS][hH](?:[^0-9A-Za-z\\x{80}-\\x{10FFFF}]|$)');
    });

    it('matches a 4-character prefix counted in characters, so an emoji and two letters are a whole word', () => {
      expect(termPattern({ kind: 'prefix', word: '\u{1F600}sm' }, 'reasoning')).toMatch(/\(\?:\[\^0-9A-Za-z\\x\{80\}-\\x\{10FFFF\}\]\|\$\)$/);
      expect(termPattern({ kind: 'prefix', word: '\u{1F600}smi' }, 'reasoning')).not.toContain('|$)');
    });
  });

  describe('wordPattern', () => {
    it('ignores the case of ASCII letters and of nothing else, as lower() does for the indexes', () => {
      const pattern = new RegExp(`^${wordPattern('école')}$`);
      expect(['école', 'éCOLE', 'éCoLe'].filter((word) => pattern.test(word))).toEqual(['école', 'éCOLE', 'éCoLe']);
      // RE2's (?i) and JavaScript's i flag would both accept these.
      expect(['École', 'ÉCOLE'].filter((word) => pattern.test(word))).toEqual([]);
    });
  });

  describe('stepSearchCondition', () => {
    it('serves every field of every term by its index, values as parameters', () => {
      const parsed = parseSearch('thresh "credit score"');
      if (!parsed.ok) throw new Error(parsed.message);
      const { sql, params } = stepSearchCondition(parsed.terms, 's');
      // A prefix through the explanation index's dictionary, checked in reasoning or the error message.
      expect(sql).toContain(`(${EXPLANATION_WORDS} LIKE {s0Like:String} AND (match(reasoning, {s0_reasoning:String}) OR match(error_message, {s0_error_message:String})))`);
      // A whole word of the payloads, answered by the payload index alone.
      expect(sql).toContain(`hasAnyTokens(${PAYLOAD_WORDS}, {s0Words:Array(String)})`);
      // A phrase through either index, its sequence checked in one field.
      expect(sql).toContain(`(hasAllTokens(${PAYLOAD_WORDS}, {s1Words:Array(String)}) AND (match(input, {s1_input:String}) OR match(output, {s1_output:String})))`);
      expect(sql).toContain(`(hasAllTokens(${EXPLANATION_WORDS}, {s1Words:Array(String)}) AND (match(reasoning, {s1_reasoning:String}) OR match(error_message, {s1_error_message:String})))`);
      expect(sql).not.toContain('thresh');
      expect(params).toMatchObject({ s0Like: '%thresh%', s0Words: ['thresh'], s1Words: ['credit', 'score'] });
    });

    it('matches short words whole (no dictionary scan under 4 characters)', () => {
      const { sql, params } = stepSearchCondition([{ kind: 'prefix', word: 'abc' }], 's');
      expect(sql).not.toContain('LIKE');
      expect(sql).toBe(`(hasAnyTokens(${EXPLANATION_WORDS}, {s0Words:Array(String)})\n    OR hasAnyTokens(${PAYLOAD_WORDS}, {s0Words:Array(String)}))`);
      expect(params).toEqual({ s0Words: ['abc'] });
    });

    it('uses the very expressions the migration indexes (else ClickHouse would scan)', () => {
      const migration = readFileSync(join(DEFAULT_MIGRATIONS_DIR, '0140_step_search_two_indexes.sql'), 'utf8');
      expect(migration).toContain(`ADD INDEX IF NOT EXISTS explanation_words ${EXPLANATION_WORDS} TYPE text(`);
      expect(migration).toContain(`ADD INDEX IF NOT EXISTS payload_words ${PAYLOAD_WORDS} TYPE text(`);
    });
  });
});
