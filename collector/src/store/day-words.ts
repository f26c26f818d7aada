/**
 * A day's words for step search's index (store/reply-store.ts `words`): the
 * reply builder hands it every step it reads of the day, execution by
 * execution, and stores what it gathered with the day's replies.
 *
 * A word is what step search tokenizes (store/step-search.ts `searchWords`)
 * in any of the four searched fields; its postings are the executions whose
 * steps hold it, each once, until more than MAX_WORD_EXECUTIONS hold it: then
 * only that it is common (a search for it goes to the engine, which is fast
 * at common words). Pure.
 */
import type { StepRecord } from './executions.js';
import { searchWords } from './step-search.js';

/** A word held by more of a day's executions is only marked common there (step search asks the engine). */
export const MAX_WORD_EXECUTIONS = 64;

/**
 * What a day's steps hold of one word: the executions whose steps hold it
 * (`renumbered`: those of them whose steps all came without a sequence, which
 * the reply numbers by position while a search row reads 0), or only that it
 * is common there.
 */
export type WordPostings = { executions: string[]; renumbered?: string[] } | { common: true };

/** The searched fields of a stored step row. */
type SearchedText = Pick<StepRecord, 'reasoning' | 'error_message' | 'input' | 'output'>;

interface Gathered {
  /** Executions holding the word, each once, in the order added; null once it is common. */
  executions: string[] | null;
  /** Of them, the renumbered ones. */
  renumbered?: string[];
}

export interface DayWords {
  /** Adds one execution's steps (all of them in the day); `renumbered`: the execution's steps came without a sequence. */
  add(appId: string, executionId: string, steps: readonly SearchedText[], renumbered?: boolean): void;
  /** Every (app, word) gathered, with its postings. */
  entries(): IterableIterator<[string, string, WordPostings]>;
}

/**
 * @example
 * const words = createDayWords();
 * words.add('default', 'exec-1', [{ reasoning: 'Score below threshold', error_message: '', input: '{}', output: '' }]);
 * [...words.entries()][0]; // ['default', 'below', { executions: ['exec-1'] }]
 */
export function createDayWords(maxExecutions = MAX_WORD_EXECUTIONS): DayWords {
  // Per app, per word: one map for each app of the day.
  const apps = new Map<string, Map<string, Gathered>>();
  return {
    add(appId, executionId, steps, renumbered) {
      let gathered = apps.get(appId);
      if (!gathered) apps.set(appId, (gathered = new Map()));
      const seen = new Set<string>();
      for (const step of steps) {
        for (const text of [step.reasoning, step.error_message, step.input, step.output]) {
          if (text) for (const word of searchWords(text)) seen.add(word);
        }
      }
      for (const word of seen) {
        const entry = gathered.get(word);
        if (!entry) {
          gathered.set(word, renumbered ? { executions: [executionId], renumbered: [executionId] } : { executions: [executionId] });
          continue;
        }
        if (!entry.executions) continue;
        if (entry.executions.length === maxExecutions) {
          entry.executions = null;
          delete entry.renumbered;
          continue;
        }
        entry.executions.push(executionId);
        if (renumbered) (entry.renumbered ??= []).push(executionId);
      }
    },
    *entries() {
      for (const [appId, gathered] of apps) {
        for (const [word, { executions, renumbered }] of gathered) {
          const postings: WordPostings = executions === null ? { common: true } : renumbered ? { executions, renumbered } : { executions };
          yield [appId, word, postings];
        }
      }
    },
  };
}
