/**
 * GET /api/v1/export: the executions the list's filters match, with or
 * without their steps, as NDJSON, CSV or JSON, streamed. Chunks are read from
 * ClickHouse only as fast as the client takes them (a Readable over an async
 * generator, piped to the response), so a slow download holds one chunk, not
 * the export. A failure after the first byte cannot change the status any
 * more: the connection is ended without the final chunk, which every HTTP
 * client reports as an incomplete body.
 */
import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { decodeCursor } from '../api/cursor.js';
import { LIST_WINDOW_MILLIS, errorResponse, resolveRange } from '../api/schemas.js';
import type { ExecutionFilter } from '../store/index.js';
import type { ExportRepository } from './export-repository.js';
import { CONTENT_TYPES, createExportWriter } from './formats.js';
import { exportQuery, exportResponse } from './schemas.js';

export interface ExportRoutesOptions {
  repository: ExportRepository;
  /** Bytes gathered before they are handed to the response (default 64 KiB). */
  flushBytes?: number;
}

export const exportRoutes: FastifyPluginAsync<ExportRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const flushBytes = options.flushBytes ?? 64 * 1024;

  app.get(
    '/export',
    {
      schema: {
        tags: ['export'],
        summary: 'Stream executions (optionally with their steps) as NDJSON, CSV or JSON, with the list filters',
        querystring: exportQuery,
        response: { 200: exportResponse, 400: errorResponse, 401: errorResponse },
      },
    },
    async (request, reply) => {
      const query = request.query;
      const after = decodeCursor(query.cursor);
      const filter: ExecutionFilter = {
        ...resolveRange(query, LIST_WINDOW_MILLIS),
        pipeline: query.pipeline,
        status: query.status,
        environment: query.environment,
        stepName: query.step,
        reasoning: query.q,
        businessKeys: query.where,
      };
      const appId = request.appId;
      // Asked before the first byte: a store that is down still answers 503.
      const estimate = await options.repository.estimate(appId, filter);
      const writer = createExportWriter(query.format, { steps: query.steps });
      const chunks = options.repository.chunks(appId, filter, { steps: query.steps, after });

      async function* body(): AsyncGenerator<string> {
        let pending = writer.start();
        for await (const chunk of chunks) {
          pending += writer.chunk(chunk).text;
          if (pending.length >= flushBytes) {
            yield pending;
            pending = '';
          }
        }
        yield pending + writer.end();
      }
      const stream = Readable.from(body(), { objectMode: false, highWaterMark: flushBytes });
      stream.on('error', (error) => request.log.error({ err: error, appId }, 'export stopped: reading from ClickHouse failed'));

      const records = query.format === 'csv' && query.steps ? estimate.steps : estimate.executions;
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const extension = query.format === 'ndjson' ? 'ndjson' : query.format;
      return reply
        .header('content-disposition', `attachment; filename="xray-${query.steps ? 'steps' : 'executions'}-${stamp}.${extension}"`)
        .header('x-xray-export-estimated-records', String(records))
        .header('cache-control', 'no-store')
        .type(CONTENT_TYPES[query.format])
        .send(stream as unknown as string);
    },
  );
};
