/**
 * `POST /api/v1/admin/sql`: one read-only statement through the sandbox.
 * Registered inside the admin scope, so the admin token guards it.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponse } from '../api/schemas.js';
import type { SqlSandbox } from './sandbox.js';

export interface SqlRouteOptions {
  sandbox: SqlSandbox;
}

export const sqlRoute: FastifyPluginAsync<SqlRouteOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/sql',
    {
      schema: {
        tags: ['admin'],
        summary:
          'Run one read-only statement (SELECT, WITH … SELECT, SHOW, DESCRIBE, EXISTS, EXPLAIN) in the SQL sandbox: ' +
          'judged on ClickHouse\'s own parse, run read-only with row, time, memory and thread limits set by the collector',
        body: z.object({ sql: z.string().min(1).max(100_000) }).strict(),
        response: {
          200: z.object({
            rows: z.array(z.record(z.string(), z.unknown())),
            truncated: z.boolean().describe('true when the reply was cut at the row cap'),
            statement: z.string().describe('the canonical statement that ran'),
          }),
          400: errorResponse,
          401: errorResponse,
          403: errorResponse,
          429: errorResponse,
        },
      },
    },
    async (request) => options.sandbox.run(request.body.sql),
  );
};
