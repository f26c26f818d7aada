/**
 * A day's words for step search's index (store/reply-store.ts `words`): the
 * reply builder hands it every step it reads of the day, execution by
 * execution, and stores what it gathered with the day's replies.
 *
 * A word is what step search tokenizes (store/step-search.ts `searchWords`)
 * in any of the four searched fields. The day's executions are numbered in
 * the order added (their ordinal); a word's postings are the steps that hold
 * it, as (ordinal, position of the step in its execution's reply) pairs, until
 * more than MAX_WORD_EXECUTIONS executions hold it: then only that it is
 * common (a search for it goes to the engine, which is fast at common words).
 * Ordinals instead of ids keep the postings small (an id is some 36 bytes and
 * the postings of a day's payload words hold most of its steps), and the step
 * positions let a search read only the steps that hold the word. Pure.
 */
import type { StepRecord } from './executions.js';
import { searchWords } from './step-search.js';

/** A word held by more of a day's executions is only marked common there (step search asks the engine). */
export const MAX_WORD_EXECUTIONS = 64;

/** What a day's steps hold of one word: `steps`, flat [ordinal, step position, ...] pairs in the order added; or only that it is common there. */
export type WordPostings = { steps: number[] } | { common: true };

/**
 * An execution of the day, by its ordinal (its index in `executions()`);
 * `renumbered`: its steps all came without a sequence, which its reply
 * numbers by position while a search row reads 0.
 */
export interface DayExecution {
  appId: string;
  executionId: string;
  renumbered: boolean;
}

/** The searched fields of a stored step row. */
type SearchedText = Pick<StepRecord, 'reasoning' | 'error_message' | 'input' | 'output'>;

interface Gathered {
  /** Flat (ordinal, position) pairs; null once the word is common. */
  steps: number[] | null;
  /** Executions holding it (each adds it once). */
  executions: number;
}

export interface DayWords {
  /** Adds one execution's steps (all of them in the day, in its reply's order). */
  add(appId: string, executionId: string, steps: readonly SearchedText[], renumbered?: boolean): void;
  /** Every (app, word) gathered, with its postings. */
  entries(): IterableIterator<[string, string, WordPostings]>;
  /** The executions added, by ordinal. */
  executions(): readonly DayExecution[];
}

/**
 * @example
 * const words = createDayWords();
 * words.add('default', 'exec-1', [{ reasoning: 'Score below threshold', error_message: '', input: '{}', output: '' }]);
 * [...words.entries()][0]; // ['default', 'below', { steps: [0, 0] }]
 * words.executions()[0]; // { appId: 'default', executionId: 'exec-1', renumbered: false }
 */
export function createDayWords(maxExecutions = MAX_WORD_EXECUTIONS): DayWords {
  // Per app, per word: one map for each app of the day.
  const apps = new Map<string, Map<string, Gathered>>();
  const executions: DayExecution[] = [];
  return {
    add(appId, executionId, steps, renumbered) {
      let gathered = apps.get(appId);
      if (!gathered) apps.set(appId, (gathered = new Map()));
      const ordinal = executions.push({ appId, executionId, renumbered: renumbered === true }) - 1;
      // Each word's step positions in this execution, each once, ascending.
      const seen = new Map<string, number[]>();
      steps.forEach((step, position) => {
        for (const text of [step.reasoning, step.error_message, step.input, step.output]) {
          if (!text) continue;
          for (const word of searchWords(text)) {
            const positions = seen.get(word);
            if (!positions) seen.set(word, [position]);
            else if (positions[positions.length - 1] !== position) positions.push(position);
          }
        }
      });
      for (const [word, positions] of seen) {
        let entry = gathered.get(word);
        if (!entry) gathered.set(word, (entry = { steps: [], executions: 0 }));
        entry.executions += 1;
        if (!entry.steps) continue;
        if (entry.executions > maxExecutions) {
          entry.steps = null;
          continue;
        }
        for (const position of positions) entry.steps.push(ordinal, position);
      }
    },
    *entries() {
      for (const [appId, gathered] of apps) {
        for (const [word, { steps }] of gathered) yield [appId, word, steps === null ? { common: true } : { steps }];
      }
    },
    executions: () => executions,
  };
}
