/**
 * An execution's steps page by page, payloads on demand: the step list with
 * each input and output cut to a preview (and its full length), and one step
 * with its full payloads. A viewer shows the first rows of a 50,000-step
 * execution from the first page instead of waiting for every payload.
 * Scoped to the caller's app like every query route (`request.appId`).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { XRayError } from '../errors.js';
import type { ExecutionsRepository } from '../store/executions.js';
import type { StepOutlineRecord, StepPagesRepository } from '../store/step-pages.js';
import { toExecutionDetail, toStep } from './presenters.js';
import { errorResponse, executionDetail, executionParams, step } from './schemas.js';

export interface StepPayloadRoutesOptions {
  stepPages: StepPagesRepository;
  executions: ExecutionsRepository;
}

const pageQuery = z
  .object({
    offset: z.coerce.number().int().min(0).max(10_000_000).default(0).describe('Position of the first step (0-based, in execution order)'),
    limit: z.coerce.number().int().min(1).max(5000).default(500).describe('Steps per page (1 to 5000)'),
    preview: z.coerce.number().int().min(0).max(4096).default(160).describe('Characters of each input and output to include'),
  })
  .strict();

const pagedStep = step.extend({
  inputLength: z.number().describe('Characters of the full input (input holds the first `preview`)'),
  outputLength: z.number().describe('Characters of the full output'),
});

const pageResponse = z.object({
  steps: z.array(pagedStep),
  total: z.number().describe('Steps of the execution'),
  nextOffset: z.number().nullable().describe('offset of the next page, null after the last'),
});

const outlineQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200_000).default(100_000).describe('Steps to outline at most (1 to 200000)'),
  })
  .strict();

const column = <T extends z.ZodTypeAny>(type: T, description: string) => z.array(type).describe(description);

// One array per field rather than one object per step: 50,000 steps stay a few MB and parse fast.
const outlineResponse = z.object({
  execution: executionDetail
    .extend({
      metadataText: z.string().describe('The metadata exactly as stored (JSON text, digits and all), "" when none'),
      finalOutcomeText: z.string().describe('The final outcome exactly as stored (JSON text, digits and all), "" when none'),
    })
    .nullable()
    .describe('null while only steps have arrived'),
  total: z.number().describe('Steps of the execution (the arrays hold the first `limit`)'),
  startTimeUnixNano: z.string().describe('Unix nanoseconds the step offsets count from: the earliest step start ("0" with no steps)'),
  steps: z
    .object({
      spanId: column(z.string(), 'Span ids'),
      parentSpanId: column(z.string(), "Parent span ids (the execution's root span id for a top-level step)"),
      sequence: column(z.number(), 'Declared sequence numbers'),
      name: column(z.string(), 'Step names'),
      status: column(z.string(), 'Statuses'),
      startOffsetNanos: column(z.number(), 'Start, nanoseconds after startTimeUnixNano'),
      durationMs: column(z.number(), 'Durations in milliseconds'),
      errorMessage: column(z.string().nullable(), 'The error message; null when the step recorded no error'),
      inputTokens: column(z.number(), 'Input tokens'),
      outputTokens: column(z.number(), 'Output tokens'),
      costUsd: column(z.number(), 'Cost in US dollars'),
    })
    .describe('Index i of every array is the step at position i, the `offset` of the steps pages'),
});

/** Rows to columns, start times as offsets from the earliest (exact: BigInt nanoseconds, then a Number under 2^53). */
function toOutlineColumns(records: StepOutlineRecord[]): { startTimeUnixNano: string; steps: z.infer<typeof outlineResponse>['steps'] } {
  let base: bigint | undefined;
  const starts = records.map((record) => BigInt(record.start_ns));
  for (const start of starts) if (base === undefined || start < base) base = start;
  return {
    startTimeUnixNano: String(base ?? 0n),
    steps: {
      spanId: records.map((r) => r.span_id),
      parentSpanId: records.map((r) => r.parent_span_id),
      sequence: records.map((r) => r.sequence),
      name: records.map((r) => r.name),
      status: records.map((r) => r.status),
      startOffsetNanos: starts.map((start) => Number(start - (base ?? 0n))),
      durationMs: records.map((r) => r.duration_ms),
      errorMessage: records.map((r) => (r.has_error ? r.error_message : null)),
      inputTokens: records.map((r) => r.input_tokens),
      outputTokens: records.map((r) => r.output_tokens),
      costUsd: records.map((r) => r.cost_usd),
    },
  };
}

const stepParams = executionParams.extend({ spanId: z.string().min(1).max(64) });
const errors = { 400: errorResponse, 401: errorResponse };

export const stepPayloadRoutes: FastifyPluginAsync<StepPayloadRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const repo = options.stepPages;

  app.get(
    '/executions/:executionId/steps',
    {
      schema: {
        tags: ['steps'],
        summary: "A page of an execution's steps in order, inputs and outputs cut to a preview",
        params: executionParams,
        querystring: pageQuery,
        response: { 200: pageResponse, 404: errorResponse, ...errors },
      },
    },
    async (request) => {
      const { executionId } = request.params;
      const { offset, limit, preview } = request.query;
      const { steps, total } = await repo.page(request.appId, executionId, offset, limit, preview);
      if (total === 0) {
        throw new XRayError('XRAY_ERR_NOT_FOUND', `No execution ${JSON.stringify(executionId)} in this app`);
      }
      return {
        steps: steps.map((record) => ({ ...toStep(record), inputLength: record.input_length, outputLength: record.output_length })),
        total,
        nextOffset: offset + steps.length < total ? offset + steps.length : null,
      };
    },
  );

  app.get(
    '/executions/:executionId/outline',
    {
      schema: {
        tags: ['steps'],
        summary: "An execution and the outline of its steps (name, status, timing, parent, usage; no payloads), as columns",
        params: executionParams,
        querystring: outlineQuery,
        response: { 200: outlineResponse, 404: errorResponse, ...errors },
      },
    },
    async (request) => {
      const { executionId } = request.params;
      const [execution, { steps, total }] = await Promise.all([
        options.executions.get(request.appId, executionId, { storedCounts: false }),
        repo.outline(request.appId, executionId, request.query.limit),
      ]);
      if (!execution && total === 0) {
        throw new XRayError('XRAY_ERR_NOT_FOUND', `No execution ${JSON.stringify(executionId)} in this app`);
      }
      if (execution) {
        // The steps just read are the stored truth for the counts (as on the execution route).
        execution.step_count = total;
        if (steps.length === total) execution.error_count = steps.filter((s) => s.status === 'failed').length;
      }
      // The JSON texts as stored beside their parsed form: a viewer shows 12345678901234567890 as sent.
      const detail = execution
        ? { ...toExecutionDetail(execution), metadataText: execution.metadata, finalOutcomeText: execution.final_outcome }
        : null;
      return { execution: detail, total, ...toOutlineColumns(steps) };
    },
  );

  app.get(
    '/executions/:executionId/steps/:spanId',
    {
      schema: {
        tags: ['steps'],
        summary: 'One step of an execution with its full input and output',
        params: stepParams,
        response: { 200: z.object({ step }), 404: errorResponse, ...errors },
      },
    },
    async (request) => {
      const { executionId, spanId } = request.params;
      const record = await repo.step(request.appId, executionId, spanId);
      if (!record) {
        throw new XRayError('XRAY_ERR_NOT_FOUND', `No step ${JSON.stringify(spanId)} in execution ${JSON.stringify(executionId)} of this app`);
      }
      return { step: toStep(record) };
    },
  );
};
