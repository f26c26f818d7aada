/**
 * `xray.score()`: attach a judgement to an execution that was already sent,
 * as one POST to the collector's `/api/v1/executions/{id}/scores` with the
 * client's endpoint and key (the key needs the `ingest` scope). Like the rest
 * of the client it never throws into user code: every outcome, refusals and
 * network failures included, comes back as a `ScoreResult`.
 */
import { log } from './log.js';

/** A judgement: a number, true/false or a label, with an optional comment and author. */
export interface ScoreInput {
  /** The score's name, e.g. `correct`; letters, digits, `_ . : -`. */
  name: string;
  value: number | boolean | string;
  /** Score one step (its span id, 16 hex digits) rather than the whole execution. */
  stepSpanId?: string;
  comment?: string;
  /** Who judged; the collector records the key's prefix when omitted. */
  author?: string;
  /** When the judgement was made; default: now. */
  time?: Date | number;
}

/** What became of a score: stored (with its id), or why not. */
export type ScoreResult =
  | { ok: true; scoreId: string }
  | { ok: false; code: string; message: string; status?: number; retryable: boolean };

export interface ScoreTarget {
  endpoint: string;
  apiKey: string | undefined;
  headers: Record<string, string>;
  timeoutMillis: number;
}

function failure(code: string, message: string, extra: { status?: number; retryable?: boolean } = {}): ScoreResult {
  return { ok: false, code, message, status: extra.status, retryable: extra.retryable ?? false };
}

function checkInput(executionId: unknown, score: Partial<ScoreInput> | undefined): string | undefined {
  if (typeof executionId !== 'string' || executionId === '') return 'executionId must be a non-empty string';
  if (score === null || typeof score !== 'object') return 'the score must be an object { name, value }';
  if (typeof score.name !== 'string' || score.name === '') return 'score.name must be a non-empty string';
  const value = score.value;
  if (!(typeof value === 'boolean' || typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)))) {
    return 'score.value must be a finite number, a boolean or a string';
  }
  return undefined;
}

/**
 * Sends one score; resolves with the outcome, never rejects.
 *
 * @example
 * const result = await sendScore(target, execution.executionId, { name: 'correct', value: false, comment: 'wrong tier' });
 * if (!result.ok) console.warn(result.code, result.message);
 */
export async function sendScore(target: ScoreTarget, executionId: string, score: ScoreInput): Promise<ScoreResult> {
  try {
    const invalid = checkInput(executionId, score);
    if (invalid) return failure('XRAY_SDK_INVALID_SCORE', invalid);
    if (target.apiKey === undefined) return failure('XRAY_SDK_NO_API_KEY', 'scoring needs an API key (apiKey or XRAY_API_KEY)');
    const time = score.time instanceof Date ? score.time.getTime() : score.time;
    const body = JSON.stringify({
      name: score.name,
      value: score.value,
      ...(score.stepSpanId === undefined ? {} : { stepSpanId: score.stepSpanId }),
      ...(score.comment === undefined ? {} : { comment: score.comment }),
      ...(score.author === undefined ? {} : { author: score.author }),
      ...(time === undefined ? {} : { time }),
    });
    const response = await fetch(`${target.endpoint}/api/v1/executions/${encodeURIComponent(executionId)}/scores`, {
      method: 'POST',
      headers: { ...target.headers, authorization: `Bearer ${target.apiKey}`, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(target.timeoutMillis),
    });
    const text = await response.text();
    let reply: { score?: { scoreId?: unknown }; error?: { code?: unknown; message?: unknown; retryable?: unknown } } = {};
    try {
      reply = JSON.parse(text);
    } catch {
      // Not the collector's JSON (a proxy's page): reported below by status.
    }
    if (response.status === 201 && typeof reply.score?.scoreId === 'string') return { ok: true, scoreId: reply.score.scoreId };
    const error = reply.error;
    return failure(
      typeof error?.code === 'string' ? error.code : `HTTP_${response.status}`,
      typeof error?.message === 'string' ? error.message : `unexpected reply ${response.status}: ${text.slice(0, 200)}`,
      { status: response.status, retryable: error?.retryable === true || response.status === 429 || response.status >= 500 },
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.warn('score not sent', message);
    return failure('XRAY_SDK_NETWORK', `the collector did not answer: ${message}`, { retryable: true });
  }
}
