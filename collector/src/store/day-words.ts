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
import { compareCodePoints } from './string-order.js';

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

export interface DayWords {
  /** Adds one execution's steps (all of them in the day, in its reply's order). */
  add(appId: string, executionId: string, steps: readonly SearchedText[], renumbered?: boolean): void;
  /** Every (app, word) gathered, with its postings, in the order the reply store keeps them: apps, then words, by code point. */
  entries(): IterableIterator<[string, string, WordPostings]>;
  /** The executions added, by ordinal. */
  executions(): readonly DayExecution[];
}

/**
 * A copy of a word that holds none of the text it was cut from: V8 keeps a
 * cut of 13 characters or more as a view of the whole text (a step's input,
 * hundreds of bytes), and the words of a day (a fingerprint, an id) would
 * otherwise keep every step's text alive until the day is stored.
 */
const detached = (word: string) => (word.length < 13 ? word : ` ${word}`.slice(1));

/**
 * @example
 * const words = createDayWords();
 * words.add('default', 'exec-1', [{ reasoning: 'Score below threshold', error_message: '', input: '{}', output: '' }]);
 * [...words.entries()][0]; // ['default', 'below', { steps: [0, 0] }]
 * words.executions()[0]; // { appId: 'default', executionId: 'exec-1', renumbered: false }
 */
export function createDayWords(maxExecutions = MAX_WORD_EXECUTIONS): DayWords {
  // Per app, per word: the executions holding it, then its flat (ordinal, position) pairs, in one array made to
  // size (most words are held by one execution: an object and a growable array for each cost 3x the memory); null
  // once common.
  const apps = new Map<string, Map<string, number[] | null>>();
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
        const held = gathered.get(word);
        if (held === null) continue;
        if (held === undefined) {
          const made = new Array<number>(1 + 2 * positions.length);
          made[0] = 1;
          positions.forEach((position, i) => {
            made[1 + 2 * i] = ordinal;
            made[2 + 2 * i] = position;
          });
          gathered.set(detached(word), made);
        } else if (held[0]! >= maxExecutions) {
          gathered.set(word, null);
        } else {
          held[0]! += 1;
          for (const position of positions) held.push(ordinal, position);
        }
      }
    },
    *entries() {
      for (const appId of [...apps.keys()].sort(compareCodePoints)) {
        const gathered = apps.get(appId)!;
        for (const word of [...gathered.keys()].sort(compareCodePoints)) {
          const held = gathered.get(word)!;
          yield [appId, word, held === null ? { common: true } : { steps: held.slice(1) }];
        }
      }
    },
    executions: () => executions,
  };
}
