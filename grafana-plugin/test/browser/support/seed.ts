/**
 * Seeds the collector through its real OTLP/HTTP JSON API (POST /v1/traces)
 * with executions in X-Ray's attribute convention, and returns a manifest of
 * what was sent so tests can compute what the pages must show:
 * - `loan-approval` (prod): 12 executions over the last hour, 3 failing at
 *   `credit-score` (a nested `bureau-lookup` under it);
 * - `fraud-check` (staging): 8 executions, 4 failing at `velocity-check`;
 * - `batch-scoring` (prod): one execution of 50,000 nested steps (500
 *   batches of 99 items), each item with ~1.5 KB of input and output, and
 *   one failed step deep inside (the size of issue 8's measurement).
 */
import { randomBytes } from 'crypto';

type AttrValue = string | number | boolean;

export interface SpanSpec {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  startMs: number;
  durationMs: number;
  attributes: Record<string, AttrValue>;
  error?: { type: string; message: string; stack: string };
}

export interface SeededStep {
  spanId: string;
  parentSpanId: string;
  name: string;
  status: 'completed' | 'failed' | 'skipped';
  /** Unix milliseconds. */
  startMs: number;
  reasoning: string;
  /** The error message of a failed step. */
  error?: string;
  input?: string;
  output?: string;
}

export interface SeededExecution {
  executionId: string;
  traceId: string;
  rootSpanId: string;
  pipeline: string;
  environment: string;
  startMs: number;
  durationMs: number;
  failed: boolean;
  failedStep?: string;
  steps: SeededStep[];
}

export interface SeedManifest {
  seededAtMillis: number;
  executions: SeededExecution[];
  bigExecutionId: string;
  bigFailedStepName: string;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

function attr(key: string, value: AttrValue) {
  if (typeof value === 'string') {
    return { key, value: { stringValue: value } };
  }
  if (typeof value === 'boolean') {
    return { key, value: { boolValue: value } };
  }
  return Number.isInteger(value) ? { key, value: { intValue: String(value) } } : { key, value: { doubleValue: value } };
}

function toNanos(millis: number): string {
  return (BigInt(Math.round(millis * 1000)) * BigInt(1000)).toString();
}

function jsonSpan(span: SpanSpec) {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    kind: 1,
    startTimeUnixNano: toNanos(span.startMs),
    endTimeUnixNano: toNanos(span.startMs + span.durationMs),
    attributes: Object.entries(span.attributes).map(([key, value]) => attr(key, value)),
    events: span.error
      ? [
          {
            timeUnixNano: toNanos(span.startMs + span.durationMs),
            name: 'exception',
            attributes: [
              attr('exception.type', span.error.type),
              attr('exception.message', span.error.message),
              attr('exception.stacktrace', span.error.stack),
            ],
          },
        ]
      : [],
    status: span.error ? { code: 2, message: span.error.message } : { code: 0 },
  };
}

async function post(collectorUrl: string, apiKey: string, serviceName: string, spans: SpanSpec[]) {
  const body = JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [attr('service.name', serviceName)] },
        scopeSpans: [{ scope: { name: 'xray-plugin-test-seed' }, spans: spans.map(jsonSpan) }],
      },
    ],
  });
  const response = await fetch(`${collectorUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body,
  });
  const text = await response.text();
  const rejected = text.startsWith('{') ? Number(JSON.parse(text).partialSuccess?.rejectedSpans ?? 0) : 0;
  if (response.status !== 200 || rejected > 0) {
    throw new Error(`Seeding failed: ${response.status} ${text}`);
  }
}

interface StepPlan {
  key: string;
  name: string;
  parent?: string;
  offsetMs: number;
  durationMs: number;
  status: SeededStep['status'];
  reasoning: string;
  input?: unknown;
  output?: unknown;
  error?: SpanSpec['error'];
  extra?: Record<string, AttrValue>;
}

function buildExecution(options: {
  pipeline: string;
  environment: string;
  serviceName: string;
  startMs: number;
  durationMs: number;
  failed: boolean;
  errorMessage?: string;
  plans: StepPlan[];
}): { execution: SeededExecution; spans: SpanSpec[] } {
  const traceId = hex(16);
  const rootSpanId = hex(8);
  const executionId = `${options.pipeline}-${hex(4)}`;
  const idByKey = new Map<string, string>();
  const spans: SpanSpec[] = [
    {
      traceId,
      spanId: rootSpanId,
      parentSpanId: '',
      name: options.pipeline,
      startMs: options.startMs,
      durationMs: options.durationMs,
      attributes: {
        'xray.execution.id': executionId,
        'xray.execution.root': true,
        'xray.pipeline': options.pipeline,
        'xray.environment': options.environment,
        'xray.execution.status': options.failed ? 'failed' : 'completed',
        'xray.execution.step_count': options.plans.length,
      },
      error: options.failed ? { type: '', message: options.errorMessage ?? 'pipeline failed', stack: '' } : undefined,
    },
  ];
  const steps: SeededStep[] = [];
  options.plans.forEach((plan, index) => {
    const spanId = hex(8);
    idByKey.set(plan.key, spanId);
    const parentSpanId = plan.parent ? idByKey.get(plan.parent)! : rootSpanId;
    const input = plan.input === undefined ? undefined : JSON.stringify(plan.input);
    const output = plan.output === undefined ? undefined : JSON.stringify(plan.output);
    spans.push({
      traceId,
      spanId,
      parentSpanId,
      name: plan.name,
      startMs: options.startMs + plan.offsetMs,
      durationMs: plan.durationMs,
      attributes: {
        'xray.execution.id': executionId,
        'xray.pipeline': options.pipeline,
        'xray.environment': options.environment,
        'xray.step.sequence': index,
        'xray.step.status': plan.status,
        ...(plan.reasoning ? { 'xray.step.reasoning': plan.reasoning } : {}),
        ...(input ? { 'input.value': input, 'input.mime_type': 'application/json' } : {}),
        ...(output ? { 'output.value': output, 'output.mime_type': 'application/json' } : {}),
        ...(plan.extra ?? {}),
      },
      error: plan.error,
    });
    steps.push({
      spanId,
      parentSpanId,
      name: plan.name,
      status: plan.status,
      startMs: options.startMs + plan.offsetMs,
      reasoning: plan.reasoning,
      error: plan.error?.message,
      input,
      output,
    });
  });
  const failedStep = options.plans.find((plan) => plan.status === 'failed')?.name;
  return {
    execution: {
      executionId,
      traceId,
      rootSpanId,
      pipeline: options.pipeline,
      environment: options.environment,
      startMs: options.startMs,
      durationMs: options.durationMs,
      failed: options.failed,
      failedStep,
      steps,
    },
    spans,
  };
}

function applicantRecord(id: number) {
  return {
    applicantId: `A-${id}`,
    name: 'Jordan Example',
    income: { monthly: 4200, currency: 'EUR', verifiedFrom: ['payslip-2024-11', 'payslip-2024-12', 'bank-statement'] },
    employment: { employer: 'Example GmbH', since: '2019-03-01', type: 'permanent' },
    existingLoans: [
      { lender: 'Bank A', balance: 1200, monthlyPayment: 150 },
      { lender: 'Card B', balance: 300, monthlyPayment: 40 },
    ],
    address: { city: 'Berlin', country: 'DE', since: '2020-06-15' },
    requested: { amount: 15000, termMonths: 48, purpose: 'car' },
  };
}

function loanExecution(index: number, startMs: number, failed: boolean) {
  const score = failed ? 512 + index : 690 + index;
  const plans: StepPlan[] = [
    {
      key: 'fetch',
      name: 'fetch-applicant',
      offsetMs: 0,
      durationMs: 38,
      status: 'completed',
      reasoning: `Applicant A-${1040 + index} found in the CRM; income verified from two payslips and a bank statement.`,
      input: { applicantId: `A-${1040 + index}` },
      output: applicantRecord(1040 + index),
    },
    {
      key: 'score',
      name: 'credit-score',
      offsetMs: 40,
      durationMs: 120,
      status: failed ? 'failed' : 'completed',
      reasoning: failed
        ? `Bureau score ${score} is below the 600 threshold for unsecured loans.`
        : `Bureau score ${score} clears the 600 threshold for unsecured loans.`,
      input: { applicantId: `A-${1040 + index}`, bureau: 'schufa' },
      output: failed ? undefined : { score, band: 'B' },
      error: failed
        ? {
            type: 'ThresholdError',
            message: `credit score ${score} below threshold 600`,
            stack: `ThresholdError: credit score ${score} below threshold 600\n    at scoreApplicant (pipelines/loan.ts:88:11)\n    at runStep (xray/sdk.ts:41:5)`,
          }
        : undefined,
      extra: { 'gen_ai.request.model': 'risk-model-v3', 'gen_ai.provider.name': 'internal' },
    },
    {
      key: 'bureau',
      name: 'bureau-lookup',
      parent: 'score',
      offsetMs: 45,
      durationMs: 80,
      status: 'completed',
      reasoning: 'Cached bureau report is older than 30 days; fetched a fresh one.',
      input: { bureau: 'schufa', applicantId: `A-${1040 + index}` },
      output: { score, reportAgeDays: 0 },
    },
    {
      key: 'decide',
      name: 'decide',
      offsetMs: 165,
      durationMs: failed ? 0 : 20,
      status: failed ? 'skipped' : 'completed',
      reasoning: failed ? 'Skipped: an earlier step failed.' : 'Approved: score and affordability both pass.',
      output: failed ? undefined : { decision: 'approve', amount: 15000, rate: 0.049 },
    },
  ];
  return buildExecution({
    pipeline: 'loan-approval',
    environment: 'prod',
    serviceName: 'loan-service',
    startMs,
    durationMs: failed ? 170 : 190,
    failed,
    errorMessage: failed ? `credit score ${512 + index} below threshold 600` : undefined,
    plans,
  });
}

function fraudExecution(index: number, startMs: number, failed: boolean) {
  const count = failed ? 7 : 2;
  const plans: StepPlan[] = [
    {
      key: 'velocity',
      name: 'velocity-check',
      offsetMs: 0,
      durationMs: 25,
      status: failed ? 'failed' : 'completed',
      reasoning: failed
        ? `${count} transactions in 60 s exceeds the velocity limit of 5.`
        : `${count} transactions in 60 s is within the velocity limit of 5.`,
      input: { cardId: `C-${900 + index}`, windowSeconds: 60 },
      output: { transactions: count },
      error: failed
        ? { type: 'VelocityExceeded', message: `${count} transactions in 60s (limit 5)`, stack: '' }
        : undefined,
    },
    {
      key: 'geo',
      name: 'geo-match',
      offsetMs: 30,
      durationMs: 12,
      status: 'completed',
      reasoning: 'Card country and IP country match.',
      output: { cardCountry: 'DE', ipCountry: 'DE' },
    },
    {
      key: 'verdict',
      name: 'verdict',
      offsetMs: 45,
      durationMs: 5,
      status: 'completed',
      reasoning: failed ? 'Blocked because the velocity check failed.' : 'Allowed: no rule fired.',
      output: { verdict: failed ? 'block' : 'allow' },
    },
  ];
  return buildExecution({
    pipeline: 'fraud-check',
    environment: 'staging',
    serviceName: 'fraud-service',
    startMs,
    durationMs: 52,
    failed,
    errorMessage: failed ? `${count} transactions in 60s (limit 5)` : undefined,
    plans,
  });
}

export const BIG_GROUPS = 500;
export const BIG_ITEMS_PER_GROUP = 99;
export const BIG_STEP_COUNT = BIG_GROUPS * (BIG_ITEMS_PER_GROUP + 1);

/** An item's input and output, ~750 characters each (JSON, as the SDK records them). */
function itemPayloads(group: number, item: number) {
  const features = Object.fromEntries(
    Array.from({ length: 36 }, (_, i) => [
      `feature_${String(i).padStart(2, '0')}`,
      ((group * 31 + item * 7 + i) % 997) / 10,
    ])
  );
  const input = { itemId: `item-${group}-${item}`, batch: group, currency: 'EUR', features };
  const output = {
    itemId: `item-${group}-${item}`,
    score: (item * 7) % 100,
    band: item % 3 === 0 ? 'high' : 'normal',
    explanation: `Weighted sum of ${Object.keys(features).length} features; `.repeat(22),
  };
  return { input, output };
}

export function bigExecution(startMs: number, pipeline = 'batch-scoring') {
  const plans: StepPlan[] = [];
  let offset = 0;
  for (let group = 0; group < BIG_GROUPS; group++) {
    const groupKey = `g${group}`;
    const groupStart = offset;
    plans.push({
      key: groupKey,
      name: `batch-${String(group).padStart(2, '0')}`,
      offsetMs: groupStart,
      durationMs: BIG_ITEMS_PER_GROUP + 1,
      status: group === 77 ? 'failed' : 'completed',
      reasoning: `Scores the ${BIG_ITEMS_PER_GROUP} items of batch ${group}.`,
      error: group === 77 ? { type: 'BatchError', message: 'one item failed', stack: '' } : undefined,
    });
    for (let item = 0; item < BIG_ITEMS_PER_GROUP; item++) {
      const failed = group === 77 && item === 42;
      plans.push({
        ...itemPayloads(group, item),
        key: `${groupKey}-${item}`,
        name: `score-item-${group}-${item}`,
        parent: groupKey,
        offsetMs: groupStart + item + 0.5,
        durationMs: 0.9,
        status: failed ? 'failed' : 'completed',
        reasoning: failed
          ? 'Item 77-42 has no price; cannot score it.'
          : `Item ${group}-${item} scored ${(item * 7) % 100}.`,
        error: failed ? { type: 'MissingPrice', message: 'item 77-42 has no price', stack: '' } : undefined,
      });
    }
    offset += BIG_ITEMS_PER_GROUP + 1;
  }
  return buildExecution({
    pipeline,
    environment: 'prod',
    serviceName: 'batch-service',
    startMs,
    durationMs: offset,
    failed: true,
    errorMessage: 'item 77-42 has no price',
    plans,
  });
}

/**
 * Sends a big execution's spans in requests of 1,000 (under the collector's
 * body limit), two at a time, the root last in a request of its own, like
 * the SDK's split requests.
 */
export async function sendExecution(collectorUrl: string, apiKey: string, spans: SpanSpec[]): Promise<void> {
  const [root, ...steps] = spans;
  const chunks: SpanSpec[][] = [];
  for (let from = 0; from < steps.length; from += 1000) {
    chunks.push(steps.slice(from, from + 1000));
  }
  const next = async (): Promise<void> => {
    const chunk = chunks.shift();
    if (chunk) {
      await post(collectorUrl, apiKey, 'batch-service', chunk);
      await next();
    }
  };
  await Promise.all([next(), next()]);
  await post(collectorUrl, apiKey, 'batch-service', [root]);
}

/** Sends every seeded execution to the collector and returns the manifest. */
export async function seedCollector(
  collectorUrl: string,
  apiKey: string,
  nowMillis = Date.now(),
  options: { withBigExecution: boolean } = { withBigExecution: true }
): Promise<SeedManifest> {
  const executions: SeededExecution[] = [];
  const sends: Array<Promise<void>> = [];
  const minute = 60_000;
  const base = nowMillis - 50 * minute;

  for (let i = 0; i < 12; i++) {
    const { execution, spans } = loanExecution(i, base + i * 4 * minute + 1500, [2, 6, 9].includes(i));
    executions.push(execution);
    sends.push(post(collectorUrl, apiKey, 'loan-service', spans));
  }
  for (let i = 0; i < 8; i++) {
    const { execution, spans } = fraudExecution(i, base + i * 6 * minute + 20_000, i % 2 === 1);
    executions.push(execution);
    sends.push(post(collectorUrl, apiKey, 'fraud-service', spans));
  }
  await Promise.all(sends);

  if (!options.withBigExecution) {
    return { seededAtMillis: nowMillis, executions, bigExecutionId: '', bigFailedStepName: '' };
  }
  const big = bigExecution(nowMillis - 20 * minute);
  // The manifest keeps the big execution's steps without payloads (tests read ids and names).
  executions.push({
    ...big.execution,
    steps: big.execution.steps.map(({ input: _input, output: _output, reasoning: _reasoning, ...step }) => ({
      ...step,
      reasoning: '',
    })),
  });
  await sendExecution(collectorUrl, apiKey, big.spans);

  return {
    seededAtMillis: nowMillis,
    executions,
    bigExecutionId: big.execution.executionId,
    bigFailedStepName: 'score-item-77-42',
  };
}
