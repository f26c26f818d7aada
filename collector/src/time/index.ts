/** The time grammars shared by the query API and the CLI: durations and points in time. */
export { DURATION_EXAMPLES, DURATION_UNIT_SECONDS, formatDurationSeconds, parseDurationSeconds } from './duration.js';
export type { DurationUnit } from './duration.js';
export { INSTANT_EXAMPLES, MAX_INSTANT_MILLIS, MIN_INSTANT_MILLIS, parseInstant } from './instant.js';
export type { InstantResult } from './instant.js';
