/**
 * The comparison dataset of issue 10, generated deterministically from a
 * seed: executions of 20 steps spread over 30 days, 12 pipelines, 5% of
 * executions failed (their last step fails), step durations log-uniform
 * between 2 ms and 1 s, ~300 B of JSON input and output, and a 20-word
 * reasoning drawn Zipf-like from a 5,000-word vocabulary, plus one rare word
 * in exactly 16 steps whatever the scale, and nine more (COLD_WORDS) in 16
 * steps each, for searches of a word never searched before.
 *
 * It is generated once, inside ClickHouse (`INSERT ... SELECT FROM
 * numbers()`, every random choice a `cityHash64` of the seed and the row
 * number), into the `executions` and `steps` tables themselves so every
 * materialized view fills exactly as ingest fills it; PostgreSQL then loads
 * the very same rows, exported as CSV, with COPY. Same rows on both sides,
 * the same for every run with the same seed and anchor.
 */

export const STEPS_PER_EXECUTION = 20;
export const RARE_WORD = 'zanzibar';
/** Rare-word steps, whatever the scale (the issue's 16 hits at 10M). */
export const RARE_HITS = 16;
/**
 * Nine more rare words of RARE_HITS steps each: a timed line searches a
 * different one every run, so neither side has searched it before. Not
 * six-letter consonant-vowel words, so none is a vocabulary word.
 */
export const COLD_WORDS = ['aardwolf', 'caracal', 'dugong', 'echidna', 'gharial', 'hoatzin', 'axolotl', 'pangolin', 'quokka'];
const DAY_MILLIS = 86_400_000;
/** Executions start within the last 29.5 days: the tables' 30-day TTL drops whole older days. */
export const SPREAD_MILLIS = 29.5 * DAY_MILLIS;

export const PIPELINES = [
  'loan-approval', 'fraud-check', 'offer-ranking', 'kyc-verification', 'credit-limit', 'claims-triage',
  'churn-prediction', 'pricing-quote', 'support-routing', 'content-moderation', 'lead-scoring', 'inventory-reorder',
];

const STEP_NAMES = [
  'fetch_input', 'validate', 'enrich_profile', 'fetch_credit_score', 'normalize', 'check_fraud_signals',
  'lookup_history', 'compute_features', 'score_model', 'llm_summarize', 'apply_policy_rules', 'rank_candidates',
  'select_offer', 'explain_decision', 'check_limits', 'route_review', 'persist', 'notify', 'audit', 'finalize',
];

const SYLLABLES = ['ba', 'ce', 'di', 'fo', 'gu', 'ha', 'je', 'ki', 'lo', 'mu', 'na', 'pe', 'ri', 'so', 'tu', 'va', 'we', 'xi', 'yo', 'zu'];

/** 5,000 distinct six-letter words (letters only: the text index splits on non-letters). */
export const VOCABULARY = Array.from({ length: 5000 }, (_, i) =>
  SYLLABLES[i % 20] + SYLLABLES[Math.floor(i / 20) % 20] + SYLLABLES[Math.floor(i / 400)]);

/**
 * Word ranks are drawn log-uniformly (a Zipf law of exponent 1): rank 10
 * appears in about one draw in 90, so in about a fifth of the steps.
 */
export const COMMON_WORD = VOCABULARY[9];

/** Steps for a `--scale` name. */
export const SCALES = { quick: 200_000, '1m': 1_000_000, '10m': 10_000_000 };

/** ClickHouse expressions of the generator, keyed on the row number `n`. */
const hash = (n, salt) => `cityHash64({seed:String}, ${n}, '${salt}')`;
/** A uniform float in [0, 1). */
const uniform = (n, salt) => `(${hash(n, salt)} / 18446744073709551616.0)`;
const EXECUTION_ID = (n) => `lower(hex(MD5(concat({seed:String}, '/', toString(${n})))))`;
const START_MS = (n) => `({anchorMillis:Int64} - {spreadMillis:Int64} + intDiv(${n} * {spreadMillis:Int64}, {executions:UInt64}) + ${hash(n, 'jitter')} % 60000)`;
const FAILED = (n) => `(${hash(n, 'failed')} % 20 = 0)`;
const PIPELINE = (n) => `{pipelines:Array(String)}[${hash(n, 'pipeline')} % 12 + 1]`;
const ENVIRONMENT = (n) => `if(${hash(n, 'env')} % 10 = 0, 'staging', 'prod')`;
/** Step k of every execution starts k seconds after the execution. */
const STEP_SLOT_MS = 1000;

/**
 * `INSERT INTO executions ... SELECT FROM numbers()`.
 * Parameters: see {@link datasetParams}.
 */
export function insertExecutionsSql() {
  const duration = STEPS_PER_EXECUTION * STEP_SLOT_MS;
  return `INSERT INTO executions
  (app_id, execution_id, trace_id, root_span_id, pipeline, environment, service_name, status,
   start_time, end_time, duration_ms, step_count, error_count, dropped_steps, error_message, metadata, final_outcome, attributes)
SELECT
  {appId:String}, ${EXECUTION_ID('number')}, ${EXECUTION_ID('number')}, lower(hex(${hash('number', 'root')})),
  ${PIPELINE('number')}, ${ENVIRONMENT('number')}, 'decision-service', if(${FAILED('number')}, 'failed', 'completed'),
  fromUnixTimestamp64Milli(${START_MS('number')}, 'UTC'),
  fromUnixTimestamp64Milli(${START_MS('number')} + ${duration}, 'UTC'),
  ${duration}, ${STEPS_PER_EXECUTION}, if(${FAILED('number')}, 1, 0), 0,
  if(${FAILED('number')}, 'policy service timed out', ''),
  concat('{"userId":"u-', toString(${hash('number', 'user')} % 100000), '","channel":"web"}'),
  if(${FAILED('number')}, '', concat('{"approved":', if(${hash('number', 'ok')} % 3 = 0, 'false', 'true'), '}')),
  map('deployment.region', 'eu-west-1')
FROM numbers({executions:UInt64})`;
}

/** `INSERT INTO steps ... SELECT FROM numbers()`: step `number` is step `number % 20` of execution `number / 20`. */
export function insertStepsSql() {
  const e = `intDiv(number, ${STEPS_PER_EXECUTION})`;
  const seq = `(number % ${STEPS_PER_EXECUTION})`;
  const failedStep = `(${FAILED(e)} AND ${seq} = ${STEPS_PER_EXECUTION - 1})`;
  const start = `(${START_MS(e)} + ${seq} * ${STEP_SLOT_MS})`;
  // Log-uniform between 2 ms and 1,000 ms, in microseconds.
  const durationMicros = `toInt64(2000 * exp(${uniform('number', 'duration')} * log(500)))`;
  const word = (i) => `{vocabulary:Array(String)}[toUInt32(exp(${uniform('number', `w${i}`)} * log(5001))) ]`;
  const words = Array.from({ length: 20 }, (_, i) => word(i)).join(", ' ', ");
  return `INSERT INTO steps
  (app_id, execution_id, trace_id, span_id, parent_span_id, sequence, name, pipeline, environment, status,
   start_time, end_time, duration_ms, input, output, reasoning, error_type, error_message, error_stack,
   model, provider, input_tokens, output_tokens, cost_usd, attributes)
SELECT
  {appId:String}, ${EXECUTION_ID(e)}, ${EXECUTION_ID(e)}, lower(hex(${hash('number', 'span')})),
  lower(hex(${hash(e, 'root')})), ${seq},
  {stepNames:Array(String)}[${seq} + 1],
  ${PIPELINE(e)}, ${ENVIRONMENT(e)}, if(${failedStep}, 'failed', 'completed'),
  fromUnixTimestamp64Micro(${start} * 1000, 'UTC'),
  fromUnixTimestamp64Micro(${start} * 1000 + ${durationMicros}, 'UTC'),
  ${durationMicros} / 1000,
  concat('{"applicationId":"', ${EXECUTION_ID(e)}, '","customer":{"id":"c-', toString(${hash('number', 'customer')} % 1000000),
         '","segment":"', ['prime', 'near-prime', 'subprime'][${hash('number', 'segment')} % 3 + 1],
         '","country":"', ['DE', 'FR', 'NL', 'ES', 'IT', 'PL'][${hash('number', 'country')} % 6 + 1],
         '"},"amounts":{"requested":', toString(1000 + ${hash('number', 'requested')} % 99000),
         ',"income":', toString(20000 + ${hash('number', 'income')} % 180000),
         '},"features":{"tenureMonths":', toString(${hash('number', 'tenure')} % 240),
         ',"utilization":', toString(round(${uniform('number', 'util')}, 4)),
         ',"fingerprint":"', lower(hex(MD5(toString(${hash('number', 'fp')})))), '"},"flags":["verified","returning"]}'),
  concat('{"score":', toString(round(${uniform('number', 'score')}, 4)),
         ',"accepted":', if(${hash('number', 'acc')} % 4 = 0, 'false', 'true'),
         ',"tier":"', ['A', 'B', 'C', 'D'][${hash('number', 'tier')} % 4 + 1],
         '","reasons":["', {vocabulary:Array(String)}[${hash('number', 'r1')} % 5000 + 1], '","', {vocabulary:Array(String)}[${hash('number', 'r2')} % 5000 + 1],
         '"],"model":"policy-v7","notes":"computed from bureau data and internal history for this application, thresholds per segment and country"}'),
  concat(${words}, if(number % {rareStride:UInt64} = 7, ' ${RARE_WORD}', ''),
         if(number % {coldStride:UInt64} = 3 AND intDiv(number, {coldStride:UInt64}) < ${RARE_HITS * COLD_WORDS.length}, concat(' ', {coldWords:Array(String)}[intDiv(number, {coldStride:UInt64}) % ${COLD_WORDS.length} + 1]), ''), '.'),
  if(${failedStep}, 'TimeoutError', ''), if(${failedStep}, 'policy service timed out', ''),
  if(${failedStep}, 'TimeoutError: policy service timed out\\n    at callPolicy (policy.js:42:11)', ''),
  if(${seq} = 9, 'gpt-4o-mini', ''), if(${seq} = 9, 'openai', ''),
  if(${seq} = 9, 800 + ${hash('number', 'tokens')} % 400, 0), if(${seq} = 9, 96, 0), if(${seq} = 9, 0.00042, 0),
  map('http.status_code', '200')
FROM numbers({steps:UInt64})`;
}

/**
 * The bound parameters of both generator statements.
 *
 * @param {{ steps: number, appId: string, seed: string, anchorMillis: number, spreadMillis?: number }} options
 *   spreadMillis: how far back from the anchor the executions start (issue 10's 30 days when omitted)
 * @example
 * await backend.command(insertStepsSql(), datasetParams({ steps: 200_000, appId: 'default', seed: 'xray', anchorMillis }));
 */
export function datasetParams(options) {
  const executions = Math.floor(options.steps / STEPS_PER_EXECUTION);
  return {
    appId: options.appId,
    seed: options.seed,
    anchorMillis: options.anchorMillis,
    spreadMillis: options.spreadMillis ?? SPREAD_MILLIS,
    executions,
    steps: executions * STEPS_PER_EXECUTION,
    pipelines: PIPELINES,
    stepNames: STEP_NAMES,
    vocabulary: VOCABULARY,
    rareStride: Math.floor((executions * STEPS_PER_EXECUTION) / RARE_HITS),
    coldWords: COLD_WORDS,
    coldStride: Math.floor((executions * STEPS_PER_EXECUTION) / (RARE_HITS * COLD_WORDS.length)),
  };
}

/** The PostgreSQL schema: the issue's well-indexed baseline. Indexes are created after the load. */
export const POSTGRES_TABLES = `
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE executions (
  execution_id text NOT NULL, trace_id text NOT NULL, pipeline text NOT NULL, environment text NOT NULL,
  service_name text NOT NULL, status text NOT NULL, started_at timestamptz NOT NULL, ended_at timestamptz NOT NULL,
  duration_ms double precision NOT NULL, step_count integer NOT NULL, error_count integer NOT NULL,
  error_message text NOT NULL, metadata text NOT NULL, final_outcome text NOT NULL
);
CREATE TABLE steps (
  execution_id text NOT NULL, span_id text NOT NULL, parent_span_id text NOT NULL, seq integer NOT NULL,
  name text NOT NULL, pipeline text NOT NULL, environment text NOT NULL, status text NOT NULL,
  started_at timestamptz NOT NULL, ended_at timestamptz NOT NULL, duration_ms double precision NOT NULL,
  input text NOT NULL, output text NOT NULL, reasoning text NOT NULL,
  error_type text NOT NULL, error_message text NOT NULL, error_stack text NOT NULL,
  model text NOT NULL, provider text NOT NULL, input_tokens integer NOT NULL, output_tokens integer NOT NULL,
  cost_usd double precision NOT NULL
);`;

export const POSTGRES_INDEXES = [
  'ALTER TABLE executions ADD PRIMARY KEY (execution_id)',
  'CREATE INDEX executions_pipeline_started ON executions (pipeline, started_at)',
  'CREATE INDEX executions_started ON executions (started_at)',
  'ALTER TABLE steps ADD PRIMARY KEY (execution_id, span_id)',
  'CREATE INDEX steps_execution_seq ON steps (execution_id, seq)',
  'CREATE INDEX steps_pipeline_started ON steps (pipeline, started_at)',
  'CREATE INDEX steps_reasoning_trgm ON steps USING gin (reasoning gin_trgm_ops)',
  // The business-key line (issue 11): a user's executions by metadata.userId.
  "CREATE INDEX executions_user ON executions ((metadata::jsonb ->> 'userId'))",
];

/** ClickHouse SELECTs whose CSV output is the PostgreSQL tables' rows, column for column. */
export const EXPORT_EXECUTIONS_SQL = `SELECT execution_id, trace_id, pipeline, environment, service_name, status,
  toDateTime64(start_time, 6, 'UTC'), toDateTime64(end_time, 6, 'UTC'), duration_ms, step_count, error_count,
  error_message, metadata, final_outcome
FROM executions`;

export const EXPORT_STEPS_SQL = `SELECT execution_id, span_id, parent_span_id, sequence, name, pipeline, environment, status,
  toDateTime64(start_time, 6, 'UTC'), toDateTime64(end_time, 6, 'UTC'), duration_ms, input, output, reasoning,
  error_type, error_message, error_stack, model, provider, input_tokens, output_tokens, cost_usd
FROM steps`;
