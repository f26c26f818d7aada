/**
 * Scores: judgements (numeric, boolean or categorical) attached to
 * executions and steps after the fact, their list, the executions-list filter
 * and their aggregate over time. Registered by app.ts under /api/v1.
 */
export { scoreRoutes } from './score-routes.js';
export type { ScoreRoutesOptions } from './score-routes.js';
export { createScoresRepository, executionsWithScores, scoreFilter } from './scores-repository.js';
export type { ScoreCondition, ScoreRow, ScoresRepository } from './scores-repository.js';
export { parseScoreValue, toStoredValue } from './score-value.js';
export { toLatestScores, toLatestScoresByExecution } from './score-presenters.js';
