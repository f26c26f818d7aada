/**
 * `sdk`: the cost of recording one step on the caller's path, against the
 * cost of one OpenTelemetry span, in the same process and the same number of
 * iterations.
 *
 * X-Ray: `execution.recordStep({ name, input, output, reasoning, status })`
 * on executions of 100 steps each. Executions are started before the timer
 * and completed after it: completion, span building and export happen off the
 * caller's path and are timed separately (their own line, per step).
 *
 * OpenTelemetry: `tracer.startSpan` as a child of a root span (the equivalent
 * of a step in an execution), 5 or 6 `setAttribute` calls, `span.end()`, on a
 * BasicTracerProvider with a BatchSpanProcessor, in two forms:
 *   - "primitive": sequence, status, reasoning and two primitives standing in
 *     for input and output (less than a step records: no objects at all);
 *   - "same step": exactly the attributes X-Ray's step span carries: sequence,
 *     reasoning, and the step's input and output as JSON text with their MIME
 *     type (`input.value` / `input.mime_type` / `output.*`, OpenInference),
 *     which is what an OTel user must do to record the same step, since span
 *     attributes take primitives only (the status is the span status, UNSET,
 *     as on X-Ray's span).
 *
 * Both sides serialize with `JsonTraceSerializer`, the serializer inside
 * `@opentelemetry/exporter-trace-otlp-http`'s OTLPTraceExporter (which the
 * SDK exports through, and which an OTel app using that package uses too), in
 * an exporter that drops the bytes: no network on either side. So the totals
 * compare all the CPU either side spends per step (issue 10 item 5): X-Ray's
 * push, hand-off, span build and serialization against OTel's start,
 * attributes, end, batch processor and serialization. The queue is sized to
 * hold a whole round, so no span takes the cheap "queue full, drop" path; it
 * is flushed at the end of each round, timed.
 *
 * Each round also times, apart, the work both sides do alike: the step's
 * input and output to JSON text, and `JsonTraceSerializer` over X-Ray's
 * spans of one round (captured once). Their sum over OTel's total is the
 * floor under the total ratio; X-Ray's own CPU is its total minus it. For
 * reference, the same spans through `ProtobufTraceSerializer` (what
 * `@opentelemetry/exporter-trace-otlp-proto` sends): whether the other OTLP
 * encoding would lower that floor.
 *
 * Every figure is CPU time of this process (`process.cpuUsage()`, user +
 * system), not wall time. Rounds alternate X-Ray and OpenTelemetry after
 * warm-up rounds of each, so drift (CPU frequency, a neighbour) hits both
 * alike; the median ns/op is reported.
 */
import { context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import XRay from '@xray/sdk';
import { formatFixed, formatInt, formatRatio, progress, verdict } from './lib/format.js';
import { median, percentile } from './lib/stats.js';

const TARGET_RATIO = 0.3;
/** Issue 10 item 5: all the CPU per step against all the CPU per OTel span. */
const TARGET_TOTAL_RATIO = 0.5;
const STEPS_PER_EXECUTION = 100;

/**
 * CPU time this process has used, in nanoseconds (user + system, all threads,
 * so GC helper threads count on both sides). CPU rather than wall time: on a
 * shared machine a preempted round would otherwise count its wait.
 */
function cpuNanos() {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1000;
}

/** A SpanExporter that serializes every batch as OTLPTraceExporter does (OTLP/JSON), drops the bytes and reports success at once. */
function createSerializingExporter() {
  let spans = 0;
  let bytes = 0;
  return {
    get exported() {
      return spans;
    },
    get bytes() {
      return bytes;
    },
    export(batch, resultCallback) {
      spans += batch.length;
      bytes += JsonTraceSerializer.serializeRequest(batch)?.length ?? 0;
      resultCallback({ code: 0 });
    },
    shutdown: () => Promise.resolve(),
    forceFlush: () => Promise.resolve(),
  };
}

/** One X-Ray round: `executions` x 100 recordStep calls timed; completion and export timed apart. */
async function xrayRound(xray, executions) {
  const started = [];
  for (let e = 0; e < executions; e++) started.push(xray.startExecution({ metadata: { userId: `u-${e}` } }));
  const start = cpuNanos();
  for (let e = 0; e < executions; e++) {
    const execution = started[e];
    for (let i = 0; i < STEPS_PER_EXECUTION; i++) {
      execution.recordStep(benchStep(i));
    }
  }
  const hotNanos = cpuNanos() - start;
  const completeStart = cpuNanos();
  for (const execution of started) execution.completeExecution({ approved: true });
  const completeNanos = cpuNanos() - completeStart;
  const flushStart = cpuNanos();
  const report = await xray.flush({ timeoutMillis: 60_000 });
  const flushNanos = cpuNanos() - flushStart;
  if (report.timedOut || report.failed > 0 || report.dropped > 0) {
    throw new Error(`X-Ray flush did not export everything: ${JSON.stringify(report)}`);
  }
  return { hotNanos, completeNanos, flushNanos };
}

/** What an OTel span of each form sets: the step of `xrayRound`, as attributes. */
const OTEL_FORMS = {
  primitive(span, i) {
    span.setAttribute('xray.step.sequence', i);
    span.setAttribute('xray.step.status', 'completed');
    span.setAttribute('xray.step.reasoning', 'Score 0.75 is above the 0.7 threshold, candidate accepted');
    span.setAttribute('app.user_id', 'u-123');
    span.setAttribute('app.score', 0.75);
  },
  sameStep(span, i) {
    span.setAttribute('xray.step.sequence', i);
    span.setAttribute('xray.step.reasoning', 'Score 0.75 is above the 0.7 threshold, candidate accepted');
    span.setAttribute('input.value', JSON.stringify({ userId: 'u-123', candidateId: i }));
    span.setAttribute('input.mime_type', 'application/json');
    span.setAttribute('output.value', JSON.stringify({ score: 0.75, accepted: true }));
    span.setAttribute('output.mime_type', 'application/json');
  },
};

/** One OpenTelemetry round: the same number of child spans, under `executions` root spans. */
async function otelRound(otel, executions) {
  const { provider, tracer, setAttributes } = otel;
  const parents = [];
  const roots = [];
  for (let e = 0; e < executions; e++) {
    const root = tracer.startSpan('execution');
    roots.push(root);
    parents.push(trace.setSpan(context.active(), root));
  }
  const start = cpuNanos();
  for (let e = 0; e < executions; e++) {
    const parent = parents[e];
    for (let i = 0; i < STEPS_PER_EXECUTION; i++) {
      const span = tracer.startSpan('score_candidate', undefined, parent);
      setAttributes(span, i);
      span.end();
    }
  }
  const hotNanos = cpuNanos() - start;
  const flushStart = cpuNanos();
  for (const root of roots) root.end();
  await provider.forceFlush();
  const flushNanos = cpuNanos() - flushStart;
  return { hotNanos, flushNanos };
}

/** A tracer provider with a BatchSpanProcessor over a serializing exporter, for one OTel form. */
function createOtel(form, queueSize) {
  const exporter = createSerializingExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: queueSize, maxExportBatchSize: 512, scheduledDelayMillis: 60_000 })],
  });
  return { exporter, provider, tracer: provider.getTracer('bench'), setAttributes: OTEL_FORMS[form] };
}

/** The step `xrayRound` records (one object per call, as a caller would build it). */
function benchStep(i) {
  return {
    name: 'score_candidate',
    input: { userId: 'u-123', candidateId: i },
    output: { score: 0.75, accepted: true },
    reasoning: 'Score 0.75 is above the 0.7 threshold, candidate accepted',
    status: 'completed',
  };
}

/** X-Ray's export calls of one round (`executions` x 100 steps), kept rather than serialized. */
async function captureXraySpans(executions) {
  const batches = [];
  const xray = new XRay({
    serviceName: 'bench',
    pipeline: 'bench',
    exporter: { export: (batch, done) => (batches.push(batch), done({ code: 0 })), shutdown: () => Promise.resolve(), forceFlush: () => Promise.resolve() },
    maxPendingExecutions: executions * 2,
  });
  for (let e = 0; e < executions; e++) {
    const execution = xray.startExecution({ metadata: { userId: `u-${e}` } });
    for (let i = 0; i < STEPS_PER_EXECUTION; i++) execution.recordStep(benchStep(i));
    execution.completeExecution({ approved: true });
  }
  await xray.shutdown({ timeoutMillis: 60_000 });
  return batches;
}

/**
 * What both sides spend on the same work, per step: the step's input and
 * output to JSON text (X-Ray when it builds spans, an OTel user before
 * `setAttribute`), and `JsonTraceSerializer` over X-Ray's spans of a round.
 * Neither side can spend less than this; X-Ray's own CPU is its total minus it.
 */
function sharedRound(batches, executions) {
  const iterations = executions * STEPS_PER_EXECUTION;
  let length = 0;
  const jsonStart = cpuNanos();
  for (let e = 0; e < executions; e++) {
    for (let i = 0; i < STEPS_PER_EXECUTION; i++) {
      length += JSON.stringify({ userId: 'u-123', candidateId: i }).length + JSON.stringify({ score: 0.75, accepted: true }).length;
    }
  }
  const jsonNanos = cpuNanos() - jsonStart;
  const serializeStart = cpuNanos();
  for (const batch of batches) length += JsonTraceSerializer.serializeRequest(batch)?.length ?? 0;
  const serializeNanos = cpuNanos() - serializeStart;
  const protobufStart = cpuNanos();
  for (const batch of batches) length += ProtobufTraceSerializer.serializeRequest(batch)?.length ?? 0;
  const protobufNanos = cpuNanos() - protobufStart;
  if (length === 0) throw new Error('nothing serialized');
  return { jsonNanos: jsonNanos / iterations, serializeNanos: serializeNanos / iterations, protobufNanos: protobufNanos / iterations };
}

/**
 * @param {{ quick: boolean }} options
 */
export async function runSdk(options) {
  const executions = options.quick ? 200 : 500;
  const iterations = executions * STEPS_PER_EXECUTION;
  const warmupRounds = options.quick ? 2 : 4;
  const rounds = options.quick ? 5 : 15;

  const xrayExporter = createSerializingExporter();
  const xray = new XRay({
    serviceName: 'bench',
    pipeline: 'bench',
    exporter: xrayExporter,
    maxPendingExecutions: executions * 2,
  });
  const queueSize = (iterations + executions) * 2;
  const otels = { primitive: createOtel('primitive', queueSize), sameStep: createOtel('sameStep', queueSize) };

  progress(`sdk: ${warmupRounds} warm-up rounds of ${formatInt(iterations)} ops each`);
  for (let r = 0; r < warmupRounds; r++) {
    await xrayRound(xray, executions);
    for (const otel of Object.values(otels)) await otelRound(otel, executions);
  }
  const capturedSpans = await captureXraySpans(executions);
  sharedRound(capturedSpans, executions);
  const xrayRuns = [];
  const otelRuns = { primitive: [], sameStep: [] };
  const sharedRuns = [];
  for (let r = 0; r < rounds; r++) {
    progress(`sdk: round ${r + 1}/${rounds}`);
    xrayRuns.push(await xrayRound(xray, executions));
    // Alternate which OTel form runs first, so neither always follows X-Ray.
    const forms = r % 2 === 0 ? ['primitive', 'sameStep'] : ['sameStep', 'primitive'];
    for (const form of forms) otelRuns[form].push(await otelRound(otels[form], executions));
    sharedRuns.push(sharedRound(capturedSpans, executions));
  }
  const stats = xray.stats();
  await xray.shutdown({ timeoutMillis: 10_000 });
  for (const otel of Object.values(otels)) await otel.provider.shutdown();
  const expectedSpans = (warmupRounds + rounds) * executions * (STEPS_PER_EXECUTION + 1);
  for (const [label, exporter] of [['X-Ray', xrayExporter], ['OTel primitive', otels.primitive.exporter], ['OTel same step', otels.sameStep.exporter]]) {
    if (exporter.exported !== expectedSpans) throw new Error(`exported spans: ${label} ${exporter.exported}, expected ${expectedSpans}`);
  }

  const perOp = (runs, key) => runs.map((run) => run[key] / iterations);
  const total = (runs) => runs.map((run) => (run.hotNanos + (run.completeNanos ?? 0) + run.flushNanos) / iterations);
  const recordStepNs = median(perOp(xrayRuns, 'hotNanos'));
  const xrayTotal = total(xrayRuns);
  const figures = {};
  for (const form of Object.keys(otels)) {
    const spanNs = median(perOp(otelRuns[form], 'hotNanos'));
    const otelTotalNs = median(total(otelRuns[form]));
    figures[form] = { spanNs, otelTotalNs, ratio: recordStepNs / spanNs, totalRatio: median(xrayTotal) / otelTotalNs };
  }
  const sharedJson = sharedRuns.map((run) => run.jsonNanos);
  const sharedSerialize = sharedRuns.map((run) => run.serializeNanos);
  const protobufSerialize = sharedRuns.map((run) => run.protobufNanos);
  const sharedNs = median(sharedJson) + median(sharedSerialize);
  const ownNs = median(xrayTotal) - sharedNs;
  const sharedRatio = sharedNs / figures.sameStep.otelTotalNs;
  const ownRatio = ownNs / figures.sameStep.otelTotalNs;
  const row = (label, values) => [
    label,
    formatFixed(median(values), 0),
    formatFixed(percentile(values, 10), 0),
    formatFixed(percentile(values, 90), 0),
  ];
  const bytesPerSpan = (exporter) => formatInt(exporter.bytes / exporter.exported);

  const tables = [
    {
      title: `sdk: CPU ns per operation, ${rounds} rounds of ${formatInt(iterations)} ops (${executions} executions x ${STEPS_PER_EXECUTION} steps) after ${warmupRounds} warm-up rounds; OTLP/JSON serialization both sides`,
      columns: ['operation', 'median CPU ns/op', 'p10', 'p90'],
      rows: [
        row('X-Ray execution.recordStep() (hot path)', perOp(xrayRuns, 'hotNanos')),
        row('X-Ray completeExecution(), per step (hand-off)', perOp(xrayRuns, 'completeNanos')),
        row('X-Ray build spans + OTLP/JSON serialization, per step, off path', perOp(xrayRuns, 'flushNanos')),
        row('X-Ray total per step (recordStep + hand-off + build + serialization)', xrayTotal),
        row('OTel "same step": startSpan + 6 setAttribute (X-Ray\'s step attributes) + end', perOp(otelRuns.sameStep, 'hotNanos')),
        row('OTel "same step": BatchSpanProcessor + serialization, per span', perOp(otelRuns.sameStep, 'flushNanos')),
        row('OTel "same step" total per span', total(otelRuns.sameStep)),
        row('OTel "primitive": startSpan + 5 primitive setAttribute + end', perOp(otelRuns.primitive, 'hotNanos')),
        row('OTel "primitive": BatchSpanProcessor + serialization, per span', perOp(otelRuns.primitive, 'flushNanos')),
        row('OTel "primitive" total per span', total(otelRuns.primitive)),
        row('shared: JSON.stringify of the step\'s input and output (X-Ray and an OTel user both do it), per step', sharedJson),
        row('shared: JsonTraceSerializer over X-Ray\'s spans alone, per step', sharedSerialize),
        row('for reference: ProtobufTraceSerializer (exporter-trace-otlp-proto\'s) over the same spans, per step', protobufSerialize),
        ['X-Ray own CPU per step (total minus the two shared lines)', formatFixed(ownNs, 0), '', ''],
        ['ratio recordStep / OTel "same step" span (caller\'s path)', formatRatio(figures.sameStep.ratio), '', ''],
        ['ratio recordStep / OTel "primitive" span (caller\'s path)', formatRatio(figures.primitive.ratio), '', ''],
        ['ratio X-Ray total / OTel "same step" total (all CPU)', formatRatio(figures.sameStep.totalRatio), '', ''],
        ['ratio X-Ray total / OTel "primitive" total (all CPU)', formatRatio(figures.primitive.totalRatio), '', ''],
        ['ratio shared work / OTel "same step" total (the floor neither side goes below)', formatRatio(sharedRatio), '', ''],
        ['ratio X-Ray own CPU / OTel "same step" total', formatRatio(ownRatio), '', ''],
      ],
      notes: [
        `target: recordStep / span <= ${TARGET_RATIO} -> same step: ${verdict(figures.sameStep.ratio, TARGET_RATIO, false)}; primitive: ${verdict(figures.primitive.ratio, TARGET_RATIO, false)}`,
        `target: total / OTel total <= ${TARGET_TOTAL_RATIO} -> same step: ${verdict(figures.sameStep.totalRatio, TARGET_TOTAL_RATIO, false)}; primitive: ${verdict(figures.primitive.totalRatio, TARGET_TOTAL_RATIO, false)}`,
        `serialized OTLP/JSON: X-Ray ${bytesPerSpan(xrayExporter)} B per span, OTel same step ${bytesPerSpan(otels.sameStep.exporter)} B, OTel primitive ${bytesPerSpan(otels.primitive.exporter)} B`,
        'completeExecution and the build/export line are not on the caller\'s path; they run after the timed loop (build on setImmediate, awaited with flush())',
        `X-Ray stats after the run: ${formatInt(stats.stepsRecorded)} steps recorded, ${stats.stepsDropped} dropped, ${stats.executionsDropped} executions dropped`,
      ],
    },
  ];
  return {
    tables,
    record: {
      iterationsPerRound: iterations,
      rounds,
      warmupRounds,
      serializer: 'JsonTraceSerializer (OTLPTraceExporter of @opentelemetry/exporter-trace-otlp-http)',
      recordStepNs,
      totalNsPerStep: median(xrayTotal),
      completeExecutionNsPerStep: median(perOp(xrayRuns, 'completeNanos')),
      buildAndExportNsPerStep: median(perOp(xrayRuns, 'flushNanos')),
      sharedJsonNsPerStep: median(sharedJson),
      sharedSerializeNsPerStep: median(sharedSerialize),
      protobufSerializeNsPerStep: median(protobufSerialize),
      ownNsPerStep: ownNs,
      sharedRatio,
      ownRatio,
      otelSameStep: figures.sameStep,
      otelPrimitive: figures.primitive,
      meetsTarget: figures.sameStep.ratio <= TARGET_RATIO && figures.primitive.ratio <= TARGET_RATIO,
      meetsTotalTarget: figures.sameStep.totalRatio <= TARGET_TOTAL_RATIO && figures.primitive.totalRatio <= TARGET_TOTAL_RATIO,
    },
  };
}
