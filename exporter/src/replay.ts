/**
 * Replay (debug only): runs a recorded execution's steps again, locally, each
 * with the input recorded for it, and compares each new output with the
 * recorded one, so a production failure becomes a regression test. Nothing is
 * sent anywhere unless a client to record with is passed (`record`): the
 * replay is then recorded as a new execution linked to the original by
 * `xray.replay_of`.
 *
 * Values are compared as the collector stores them: a string as its text,
 * anything else as JSON. So a recorded input is handed to the step as JSON
 * when its text parses as JSON, else as the text (a string input that itself
 * looks like JSON arrives parsed: the store keeps text, not the type).
 */
import { diffJson, parseJsonText, type JsonChange } from './json-diff.js';
import { ATTR_XRAY_REPLAY_OF, ATTR_XRAY_REPLAY_OUTCOME } from './semconv.js';
import type { StepId } from './step-types.js';
import type { FlushReport } from './flush-report.js';

/** A step as the query API answers it (`GET /api/v1/executions/{id}`); replay reads these fields. */
export interface RecordedStep {
  executionId?: string;
  pipeline?: string;
  name: string;
  sequence: number;
  spanId?: string;
  parentSpanId?: string;
  status?: string;
  /** The stored input: JSON text, or the text of a string input; empty when there was none. */
  input?: string;
  output?: string;
  error?: { type?: string; message?: string } | null;
}

/** An execution as the query API answers it: `{ execution, steps }`. */
export interface RecordedExecution {
  execution: { executionId: string; pipeline: string } | null;
  steps: RecordedStep[];
}

/** What a step function gets besides the recorded input. */
export interface StepReplayContext {
  readonly name: string;
  readonly sequence: number;
  /** The step as recorded. */
  readonly recorded: RecordedStep;
}

/** One step of the pipeline, as the module under replay exports it. */
export type StepFunction = (input: unknown, context: StepReplayContext) => unknown;

/**
 * `match`: same output (or the step failed again, as recorded); `diff`: the
 * output changed; `failed`: the step threw where the recording did not (or
 * the reverse); `skipped`: no function of that name was given.
 */
export type StepReplayOutcome = 'match' | 'diff' | 'failed' | 'skipped';

export interface StepReplayResult {
  name: string;
  sequence: number;
  spanId?: string;
  outcome: StepReplayOutcome;
  /** The recorded output, as stored (parsed when JSON). */
  recordedOutput: unknown;
  /** The output now, as it would be stored; absent when the step threw or was skipped. */
  output?: unknown;
  /** Path by path, recorded -> now, for `diff`. */
  changes: JsonChange[];
  changesTruncated: boolean;
  /** For `failed`: what was thrown now, or that the recorded step had failed. */
  error?: string;
}

export interface ReplayReport {
  executionId: string;
  pipeline: string;
  steps: StepReplayResult[];
  /** The first step, in sequence order, whose outcome is `diff` or `failed`; `null` when every step ran matched. */
  firstDivergence: StepReplayResult | null;
  matched: number;
  diverged: number;
  skipped: number;
  /** With `record`: the id of the new execution holding the replay, and how its export went. */
  recorded?: { executionId: string; flush: FlushReport };
}

/** The part of an `XRay` client replay records with. */
export interface ReplayRecorder {
  startExecution(options: { pipeline: string; environment: string; tags: Record<string, string> }): {
    readonly executionId: string;
    recordStep(step: {
      name: string;
      input?: unknown;
      output?: unknown;
      status: string;
      error?: unknown;
      parentStepId?: StepId;
      attributes: Record<string, string>;
    }): StepId;
    completeExecution(outcome?: unknown): void;
  };
  flush(): Promise<FlushReport>;
}

export interface ReplayOptions {
  /** The collector, to fetch the execution when given its id (default: `XRAY_ENDPOINT`, else `http://localhost:4318`). */
  endpoint?: string;
  /** A key with the `read` scope, to fetch the execution (default: `XRAY_API_KEY`). */
  apiKey?: string;
  /** Record the replay as a new execution with this client (environment `replay`, `xray.replay_of` = the original's id). */
  record?: ReplayRecorder;
  /** Most changes listed per step (default 50). */
  maxChanges?: number;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
  /**
   * Longest one step function may take (default 30 s): a step still running
   * then counts as `failed` and the replay goes on with the next. Only a
   * step that awaits can be given up on; a synchronous endless loop cannot.
   */
  stepTimeoutMillis?: number;
  /** Longest the collector may take to answer when the execution is fetched by id (default 30 s). */
  fetchTimeoutMillis?: number;
}

const DEFAULT_ENDPOINT = 'http://localhost:4318';
const DEFAULT_MAX_CHANGES = 50;
/** Default of `stepTimeoutMillis`. */
export const DEFAULT_STEP_TIMEOUT_MILLIS = 30_000;

/** Thrown in place of a step that did not settle in time (its message is the report's). */
class StepTimeout extends Error {
  constructor(millis: number) {
    super(`did not finish within ${millis} ms`);
  }
}

/** Runs a step function, rejecting with StepTimeout when it has not settled after `millis`. */
async function runWithDeadline(run: () => unknown, millis: number): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StepTimeout(millis)), millis);
  });
  try {
    return await Promise.race([Promise.resolve().then(run), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
/** The environment a recorded replay is filed under, so it never counts as production. */
export const REPLAY_ENVIRONMENT = 'replay';

/**
 * Replays `execution` (the query API's answer, or its id to fetch) through
 * `steps` (step functions by step name) and reports, per step, whether the
 * output matches the recorded one. Steps run one at a time in sequence order,
 * each with its own recorded input, so a changed step is found even when later
 * steps would have received different input in a real run. Rejects only when
 * the execution cannot be fetched.
 *
 * @example
 * import { replayExecution } from '@xray/sdk';
 * import * as pipeline from './my-pipeline.js';
 * const report = await replayExecution('4bf92f3577b34da6a3ce929d0e0e4736', pipeline, { apiKey: process.env.XRAY_READ_KEY });
 * assert.equal(report.firstDivergence, null);
 */
export async function replayExecution(
  execution: RecordedExecution | string,
  steps: Readonly<Record<string, unknown>>,
  options: ReplayOptions = {},
  env: Record<string, string | undefined> = {},
): Promise<ReplayReport> {
  const stepTimeoutMillis = options.stepTimeoutMillis ?? DEFAULT_STEP_TIMEOUT_MILLIS;
  if (!Number.isFinite(stepTimeoutMillis) || stepTimeoutMillis <= 0 || stepTimeoutMillis > 2_147_483_647) {
    throw new RangeError(`replayExecution: stepTimeoutMillis must be a positive number of milliseconds, got ${String(options.stepTimeoutMillis)}`);
  }
  const recorded = typeof execution === 'string' ? await fetchRecordedExecution(execution, options, env) : execution;
  const ordered = [...recorded.steps].sort((a, b) => a.sequence - b.sequence);
  // The root may not have arrived yet (`execution: null`); its steps still know their execution.
  const executionId = recorded.execution?.executionId ?? ordered[0]?.executionId ?? (typeof execution === 'string' ? execution : '');
  const pipeline = recorded.execution?.pipeline ?? ordered[0]?.pipeline ?? '';
  const maxChanges = options.maxChanges ?? DEFAULT_MAX_CHANGES;

  const results: StepReplayResult[] = [];
  const ran: { step: RecordedStep; input: unknown; output?: unknown; thrown?: unknown; outcome: StepReplayOutcome }[] = [];
  for (const step of ordered) {
    const fn = steps[step.name];
    const base = { name: step.name, sequence: step.sequence, spanId: step.spanId, recordedOutput: parseJsonText(step.output ?? '') };
    if (typeof fn !== 'function') {
      results.push({ ...base, outcome: 'skipped', changes: [], changesTruncated: false });
      continue;
    }
    const input = step.input === undefined || step.input === '' ? undefined : parseJsonText(step.input);
    const recordedFailed = step.status === 'failed';
    let output: unknown;
    let thrown: unknown;
    let threw = false;
    try {
      output = await runWithDeadline(() => (fn as StepFunction)(input, { name: step.name, sequence: step.sequence, recorded: step }), stepTimeoutMillis);
    } catch (error) {
      threw = true;
      thrown = error;
    }
    let result: StepReplayResult;
    if (threw || recordedFailed) {
      const now = thrown instanceof StepTimeout ? thrown.message : threw ? `threw ${describe(thrown)}` : 'returned a value';
      const then = recordedFailed ? `failed${step.error?.message ? ` (${step.error.message})` : ''}` : 'completed';
      // Failing again as recorded matches; running out of time does not (the recording finished).
      const outcome = threw && recordedFailed && !(thrown instanceof StepTimeout) ? 'match' : 'failed';
      result = { ...base, outcome, changes: [], changesTruncated: false, error: `recorded ${then}, now ${now}` };
      if (!threw) result.output = asStored(output);
    } else {
      const now = asStored(output);
      const diff = diffJson(base.recordedOutput, now, { maxChanges });
      result = { ...base, output: now, outcome: diff.changes.length === 0 ? 'match' : 'diff', changes: diff.changes, changesTruncated: diff.truncated };
    }
    results.push(result);
    ran.push({ step, input, output, thrown: threw ? thrown : undefined, outcome: result.outcome });
  }

  const firstDivergence = results.find((result) => result.outcome === 'diff' || result.outcome === 'failed') ?? null;
  const report: ReplayReport = {
    executionId,
    pipeline,
    steps: results,
    firstDivergence,
    matched: results.filter((result) => result.outcome === 'match').length,
    diverged: results.filter((result) => result.outcome === 'diff' || result.outcome === 'failed').length,
    skipped: results.filter((result) => result.outcome === 'skipped').length,
  };
  if (options.record) report.recorded = await recordReplay(options.record, executionId, pipeline, ran, firstDivergence);
  return report;
}

/** Records what ran as a new execution linked to the original, and waits for its export. */
async function recordReplay(
  client: ReplayRecorder,
  originalId: string,
  pipeline: string,
  ran: { step: RecordedStep; input: unknown; output?: unknown; thrown?: unknown; outcome: StepReplayOutcome }[],
  firstDivergence: StepReplayResult | null,
): Promise<{ executionId: string; flush: FlushReport }> {
  const execution = client.startExecution({ pipeline, environment: REPLAY_ENVIRONMENT, tags: { [ATTR_XRAY_REPLAY_OF]: originalId } });
  const idBySpan = new Map<string, StepId>();
  for (const { step, input, output, thrown, outcome } of ran) {
    const parentStepId = step.parentSpanId === undefined ? undefined : idBySpan.get(step.parentSpanId);
    const id = execution.recordStep({
      name: step.name,
      input,
      output: thrown === undefined ? output : undefined,
      status: thrown === undefined ? 'completed' : 'failed',
      error: thrown,
      parentStepId,
      attributes: { [ATTR_XRAY_REPLAY_OUTCOME]: outcome },
    });
    if (step.spanId !== undefined) idBySpan.set(step.spanId, id);
  }
  execution.completeExecution(firstDivergence === null ? { replay: 'matched' } : { replay: 'diverged', firstDivergence: firstDivergence.name });
  return { executionId: execution.executionId, flush: await client.flush() };
}

/** Fetches `GET /api/v1/executions/{id}` with a read key. */
export async function fetchRecordedExecution(
  executionId: string,
  options: Pick<ReplayOptions, 'endpoint' | 'apiKey' | 'fetch' | 'fetchTimeoutMillis'>,
  env: Record<string, string | undefined> = {},
): Promise<RecordedExecution> {
  const base = (options.endpoint ?? env.XRAY_ENDPOINT ?? DEFAULT_ENDPOINT).replace(/\/+$/, '').replace(/\/v1\/traces$/, '');
  const apiKey = options.apiKey ?? env.XRAY_API_KEY;
  if (apiKey === undefined || apiKey === '') {
    throw new TypeError('replayExecution: no key to fetch the execution with; pass { apiKey } or set XRAY_API_KEY (a key with the read scope)');
  }
  const timeoutMillis = options.fetchTimeoutMillis ?? DEFAULT_STEP_TIMEOUT_MILLIS;
  const signal = AbortSignal.timeout(timeoutMillis);
  const timedOut = () => new Error(`replayExecution: the collector at ${base} did not answer within ${timeoutMillis} ms`);
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(`${base}/api/v1/executions/${encodeURIComponent(executionId)}`, {
      headers: { authorization: `Bearer ${apiKey}` },
      signal,
    });
  } catch (error) {
    throw signal.aborted ? timedOut() : error;
  }
  const body = (await response.json().catch(() => undefined)) as (RecordedExecution & { error?: { code?: string; message?: string } }) | undefined;
  if (!response.ok || body === undefined || !Array.isArray(body.steps)) {
    const reason = body?.error?.code !== undefined ? `${body.error.code}: ${body.error.message ?? ''}` : `HTTP ${response.status}`;
    throw new Error(`replayExecution: could not fetch execution ${JSON.stringify(executionId)} from ${base} (${reason})`);
  }
  return body;
}

/** A value as the SDK sends and the collector stores it, read back: strings as text, the rest through JSON. */
function asStored(value: unknown): unknown {
  if (typeof value === 'string') return parseJsonText(value);
  try {
    const json = JSON.stringify(value);
    return json === undefined ? null : JSON.parse(json);
  } catch {
    return String(value);
  }
}

function describe(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return 'an unreadable error';
  }
}
