/**
 * Search within one execution, `GET /api/v1/executions/{executionId}/steps/search?q=`:
 * the ids of its steps whose reasoning, error message, input or output hold
 * the search's words (the grammar of `q` in GET /api/v1/steps), in step
 * order, so a viewer that loaded only the outline can mark every match and
 * walk them; the first matches carry a snippet showing where. Scoped to the
 * caller's app like every query route (`request.appId`): another app's
 * execution is a 404.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { XRayError } from '../errors.js';
import type { ExecutionSearchRepository } from '../store/execution-search.js';
import { parseSearch } from '../store/step-search.js';
import { snippetOf } from './search-snippet.js';
import { errorResponse, executionParams, searchParam, searchSnippet } from './schemas.js';

export interface ExecutionSearchRoutesOptions {
  search: ExecutionSearchRepository;
}

const searchQuery = z
  .object({
    q: searchParam.describe(
      "Search (as `q` of GET /api/v1/steps): every word must appear in the step's reasoning, error message, input or output; " +
        'a word prefix in reasoning and error messages (from 4 characters), a whole word in input and output; `"quoted words"` together, in order.',
    ),
    limit: z.coerce.number().int().min(1).max(200_000).default(10_000).describe('Matching steps to return at most (1 to 200000)'),
    snippets: z.coerce.number().int().min(0).max(200).default(20).describe('How many of the first matches carry a snippet (0 to 200)'),
  })
  .strict();

const searchResponse = z.object({
  spanIds: z.array(z.string()).describe('Span ids of the matching steps, in step order (that of the outline and the steps pages)'),
  truncated: z.boolean().describe('More steps matched than `limit`'),
  snippets: z
    .array(z.object({ spanId: z.string(), snippet: searchSnippet }))
    .describe('Where the search matched, for the first `snippets` matches that can show it'),
});

export const executionSearchRoutes: FastifyPluginAsync<ExecutionSearchRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/executions/:executionId/steps/search',
    {
      schema: {
        tags: ['steps'],
        summary: "Search within one execution: its steps whose reasoning, error message, input or output match, in step order, the first with a snippet",
        params: executionParams,
        querystring: searchQuery,
        response: { 200: searchResponse, 400: errorResponse, 401: errorResponse, 404: errorResponse },
      },
    },
    async (request) => {
      const { executionId } = request.params;
      const { q, limit, snippets: snippetCount } = request.query;
      const parsed = parseSearch(q);
      // The schema refused a search without words already; this keeps the types honest.
      if (!parsed.ok) throw new XRayError('XRAY_ERR_VALIDATION', parsed.message);
      const { exists, spanIds } = await options.search.matches(request.appId, executionId, parsed.terms, limit + 1);
      if (!exists) throw new XRayError('XRAY_ERR_NOT_FOUND', `No execution ${JSON.stringify(executionId)} in this app`);
      const page = spanIds.slice(0, limit);
      const first = page.slice(0, snippetCount);
      const fields = await options.search.fields(request.appId, executionId, first);
      const snippets = first.flatMap((spanId) => {
        const record = fields.get(spanId);
        const snippet = record ? snippetOf(record, parsed.terms) : null;
        return snippet ? [{ spanId, snippet }] : [];
      });
      return { spanIds: page, truncated: spanIds.length > limit, snippets };
    },
  );
};
