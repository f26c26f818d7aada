import { describe, expect, it } from 'vitest';
import { alignSteps } from '../../../src/compare/align-steps.js';
import type { AlignableStep } from '../../../src/compare/align-steps.js';

const ROOT = 'root';
let nextId = 0;
function step(name: string, sequence: number, parentSpanId = ROOT, spanId = `s${nextId++}`): AlignableStep {
  return { spanId, parentSpanId, sequence, name, startTimeUnixNano: String(1_000 + sequence) };
}
const flat = (...names: string[]) => names.map((name, index) => step(name, index));
const summary = (pairs: ReturnType<typeof alignSteps>) =>
  pairs.map((pair) => `${pair.a ? (pair.b ? '=' : '-') : '+'}${pair.path.join('/')}`);

describe('align-steps', () => {
  describe('alignSteps', () => {
    it('pairs identical runs step by step although their span ids differ', () => {
      const pairs = alignSteps(flat('fetch', 'score', 'decide'), flat('fetch', 'score', 'decide'));
      expect(summary(pairs)).toEqual(['=fetch', '=score', '=decide']);
      expect(pairs.every((pair) => pair.a!.spanId !== pair.b!.spanId)).toBe(true);
    });

    it('keeps the following steps paired when one is inserted (sequence numbers shift)', () => {
      expect(summary(alignSteps(flat('fetch', 'score', 'decide'), flat('fetch', 'manual_review', 'score', 'decide')))).toEqual([
        '=fetch',
        '+manual_review',
        '=score',
        '=decide',
      ]);
    });

    it('places a removed step where A had it', () => {
      expect(summary(alignSteps(flat('fetch', 'enrich', 'score'), flat('fetch', 'score')))).toEqual(['=fetch', '-enrich', '=score']);
      expect(summary(alignSteps(flat('a', 'b'), flat('c')))).toEqual(['-a', '-b', '+c']);
      expect(summary(alignSteps(flat('a', 'b', 'x'), flat('x', 'c')))).toEqual(['-a', '-b', '=x', '+c']);
    });

    it('counts repeated names so a third retry is the one added', () => {
      const pairs = alignSteps(flat('call', 'retry', 'retry'), flat('call', 'retry', 'retry', 'retry'));
      expect(summary(pairs)).toEqual(['=call', '=retry', '=retry#1', '+retry#2']);
    });

    it('orders siblings by sequence, not by the order rows arrive', () => {
      const a = [step('second', 1), step('first', 0)];
      expect(summary(alignSteps(a, flat('first', 'second')))).toEqual(['=first', '=second']);
    });

    it('aligns nested steps under their parent path, so the same name elsewhere is not confused', () => {
      const parentA = step('retrieve', 0);
      const parentB = step('retrieve', 0);
      const a = [parentA, step('score', 0, parentA.spanId), step('score', 1)];
      const b = [parentB, step('score', 0, parentB.spanId), step('rerank', 1, parentB.spanId), step('score', 1)];
      const pairs = alignSteps(a, b);
      expect(summary(pairs)).toEqual(['=retrieve', '=retrieve/score', '+retrieve/rerank', '=score']);
      expect(pairs.map((pair) => pair.depth)).toEqual([0, 1, 1, 0]);
    });

    it('lists a whole removed subtree with its children', () => {
      const parent = step('retrieve', 0);
      const a = [parent, step('fetch', 0, parent.spanId), step('decide', 1)];
      expect(summary(alignSteps(a, flat('decide')))).toEqual(['-retrieve', '-retrieve/fetch', '=decide']);
    });

    it('keeps every step of a parent cycle in bad data instead of losing it', () => {
      const a = [step('x', 0, 'q', 'p'), step('y', 1, 'p', 'q')];
      const pairs = alignSteps(a, []);
      expect(pairs).toHaveLength(2);
    });

    it('pairs steps that swapped places', () => {
      expect(summary(alignSteps(flat('p', 'q'), flat('q', 'p')))).toEqual(['=q', '=p']);
    });
  });
});
