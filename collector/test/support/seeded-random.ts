/**
 * A small seeded generator (mulberry32): numbers in [0, 1), the same
 * sequence for the same seed, so a randomized test replays exactly.
 *
 * @example
 * const next = createRandom(20261206);
 * next(); // always the same first number for this seed
 */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One of `items`, chosen with `next` (one number drawn per pick), so a
 * seeded test picks the same sequence every run.
 *
 * @example
 * const pick = createPick(createRandom(7));
 * pick(['loan', 'fraud']); // always the same first choice for this seed
 */
export function createPick(next: () => number): <T>(items: readonly T[]) => T {
  return (items) => items[Math.floor(next() * items.length)]!;
}
