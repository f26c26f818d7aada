/**
 * GET /api/v1/executions/compare?a=…&b=…: reads both executions of the
 * caller's app and answers their comparison. An id that is not in the app
 * answers 404 naming it, exactly as for an id that does not exist.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { inheritFromExecution, toExecutionDetail, toStep } from '../api/presenters.js';
import { errorResponse } from '../api/schemas.js';
import { XRayError } from '../errors.js';
import type { ExecutionsRepository } from '../store/index.js';
import { compareExecutions } from './compare-executions.js';
import type { ComparableExecution, ComparableStep } from './compare-executions.js';
import { compareQuery, compareResponse } from './schemas.js';

export interface CompareRoutesOptions {
  executions: ExecutionsRepository;
}

async function load(
  repo: ExecutionsRepository,
  appId: string,
  executionId: string,
  which: 'a' | 'b',
): Promise<{ execution: ComparableExecution; steps: ComparableStep[] }> {
  const record = await repo.get(appId, executionId, { storedCounts: false });
  const stepRecords = await repo.steps(appId, executionId, record ? { startNanos: record.start_ns, endNanos: record.end_ns } : undefined);
  if (!record && stepRecords.length === 0) {
    throw new XRayError('XRAY_ERR_NOT_FOUND', `No execution ${JSON.stringify(executionId)} (parameter ${which}) in this app`);
  }
  const detail = record ? toExecutionDetail(record) : null;
  const steps = stepRecords.map((step) => inheritFromExecution(toStep(step), detail));
  // Only steps have arrived so far: compare what there is.
  const execution: ComparableExecution = detail ?? {
    executionId,
    pipeline: steps[0].pipeline,
    status: 'unknown',
    durationMs: 0,
    startTime: steps[0].startTime,
    errorMessage: '',
    metadata: null,
    finalOutcome: null,
  };
  return { execution, steps };
}

export const compareRoutes: FastifyPluginAsync<CompareRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/executions/compare',
    {
      schema: {
        tags: ['executions'],
        summary: 'Compare two executions: steps added, removed and changed (status, duration, input, output, reasoning, error)',
        querystring: compareQuery,
        response: { 200: compareResponse, 400: errorResponse, 401: errorResponse, 404: errorResponse },
      },
    },
    async (request) => {
      const { a, b, durationChangePct } = request.query;
      const [left, right] = await Promise.all([
        load(options.executions, request.appId, a, 'a'),
        load(options.executions, request.appId, b, 'b'),
      ]);
      return compareExecutions(left, right, { durationChangePct });
    },
  );
};
