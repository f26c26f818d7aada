/**
 * GET /version: which collector and which API version answer here, for
 * `xray --version` and for operators. Needs no key: it reveals no tenant data.
 */
import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** The major version of the query API; its routes live under /api/v1. */
export const API_VERSION = 'v1';

/** The collector package's version (collector/package.json, from src/ or dist/ alike). */
export const COLLECTOR_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export const versionResponse = z.object({
  collector: z.string().describe('Version of the collector package'),
  api: z.string().describe('Major version of the query API (routes under /api/<api>)'),
});

export const versionRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/version',
    {
      schema: {
        tags: ['meta'],
        summary: 'Collector and query API versions (no key needed)',
        security: [],
        querystring: z.object({}).strict(),
        response: { 200: versionResponse },
      },
    },
    async () => ({ collector: COLLECTOR_VERSION, api: API_VERSION }),
  );
};
