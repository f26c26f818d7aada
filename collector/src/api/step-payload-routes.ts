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
import type { StepPagesRepository } from '../store/step-pages.js';
import { toStep } from './presenters.js';
import { errorResponse, executionParams, step } from './schemas.js';

export interface StepPayloadRoutesOptions {
  stepPages: StepPagesRepository;
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
