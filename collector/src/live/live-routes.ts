/**
 * GET /api/v1/executions/stream: the live tail over Server-Sent Events.
 *
 * A stream first replays what was stored after its `Last-Event-ID` (from
 * ClickHouse, in pages), then follows the hub; events the hub delivers while
 * the replay runs are held and sent after it, past the replay's last
 * position, so nothing is sent twice or skipped. A client that reads too
 * slowly is disconnected rather than buffered without limit: it reconnects
 * with its last id and loses nothing.
 */
import { PassThrough } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { toExecutionSummary } from '../api/presenters.js';
import { errorResponse } from '../api/schemas.js';
import { XRayError } from '../errors.js';
import { decodeEventId, encodeEventId } from './event-id.js';
import type { EventPosition } from './event-id.js';
import { after } from './live-hub.js';
import type { LiveHub, Subscriber } from './live-hub.js';
import type { LiveFilter, LiveRepository, StoredExecution } from './live-repository.js';
import { streamQuery, streamResponse } from './schemas.js';
import { sseComment, sseEvent, sseRetry } from './sse.js';

export interface LiveRoutesOptions {
  hub: LiveHub;
  repository: LiveRepository;
  heartbeatMillis: number;
  /** Most events a resumed stream replays before following live (default 10 000); more and it says so with a `gap` event. */
  maxReplayEvents?: number;
  /** Bytes a stream may have waiting for a slow client before it is dropped (default 4 MiB). */
  maxBufferedBytes?: number;
}

const REPLAY_PAGE = 500;
const RECONNECT_MILLIS = 2000;
/** How long before the last event a resumed stream looks for executions that started (partitions are by start time). */
const RESUME_START_WINDOW_MILLIS = 86_400_000;

export const liveRoutes: FastifyPluginAsync<LiveRoutesOptions> = async (fastify, options) => {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const open = new Set<() => void>();
  const maxReplay = options.maxReplayEvents ?? 10_000;
  const maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024;

  // Open streams never end by themselves; end them so the server can close.
  fastify.addHook('preClose', async () => {
    for (const close of [...open]) close();
  });

  app.get(
    '/executions/stream',
    {
      schema: {
        tags: ['executions'],
        summary: 'Follow executions as they are stored (Server-Sent Events), with the list filters and Last-Event-ID resume',
        querystring: streamQuery,
        response: { 200: streamResponse, 400: errorResponse, 401: errorResponse, 429: errorResponse },
      },
    },
    async (request, reply) => {
      const { lastEventId: lastEventIdParam, pipeline, status, environment, step, q, where } = request.query;
      const header = request.headers['last-event-id'];
      const lastEventId = (Array.isArray(header) ? header[0] : header) || lastEventIdParam;
      const resumeFrom = lastEventId ? decodeEventId(lastEventId) : undefined;
      const filter: LiveFilter = { pipeline, status, environment, stepName: step, reasoning: q, businessKeys: where };
      const appId = request.appId;

      const stream = new PassThrough();
      let position: EventPosition | undefined = resumeFrom;
      let replaying = resumeFrom !== undefined;
      const held: StoredExecution[] = [];
      let closed = false;

      const write = (text: string) => {
        if (closed) return;
        stream.write(text);
        if (stream.writableLength > maxBuffered) {
          request.log.warn({ appId, bufferedBytes: stream.writableLength }, 'live stream dropped: the client reads too slowly');
          close();
        }
      };
      const send = (rows: readonly StoredExecution[]) => {
        for (const row of after(rows, position)) {
          position = { insertedMillis: row.inserted_ms, executionId: row.execution_id };
          write(sseEvent({ id: encodeEventId(position), event: 'execution', data: JSON.stringify(toExecutionSummary(row)) }));
        }
      };
      const subscriber: Subscriber = {
        appId,
        filter,
        deliver: (rows) => (replaying ? held.push(...rows) : send(rows)),
        fail: (error) => {
          request.log.error({ err: error, appId }, 'live stream ended: reading stored executions failed');
          write(sseEvent({ event: 'error', data: JSON.stringify({ code: 'XRAY_ERR_STORE_UNAVAILABLE', message: 'Reading stored executions failed; reconnect to resume' }) }));
          close();
        },
      };
      if (!options.hub.subscribe(subscriber)) {
        throw new XRayError(
          'XRAY_ERR_LIVE_TOO_MANY_STREAMS',
          `This app already holds ${options.hub.count(appId)} live streams, the most the collector allows (XRAY_LIVE_MAX_STREAMS_PER_APP)`,
        );
      }
      const heartbeat = setInterval(() => write(sseComment('heartbeat')), options.heartbeatMillis);
      function close(): void {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        options.hub.unsubscribe(subscriber);
        open.delete(close);
        stream.end();
      }
      open.add(close);
      // The response's close (not the request's: that fires once a GET's empty body is read) is the client going away.
      reply.raw.on('close', close);
      stream.on('close', close);

      write(sseRetry(RECONNECT_MILLIS));
      write(sseComment(`stream open for app ${appId}`));

      if (resumeFrom) {
        void (async () => {
          let replayed = 0;
          for (;;) {
            const page = await options.repository.after(appId, filter, position ?? resumeFrom, REPLAY_PAGE, RESUME_START_WINDOW_MILLIS);
            if (closed) return;
            send(page);
            replayed += page.length;
            if (page.length < REPLAY_PAGE) break;
            if (replayed >= maxReplay) {
              // The rest is too much to replay: say so, then follow live from here.
              write(sseEvent({ event: 'gap', data: JSON.stringify({ replayed, message: 'More was stored since Last-Event-ID than a stream replays; use GET /api/v1/executions or the export for the rest' }) }));
              position = undefined;
              break;
            }
          }
          replaying = false;
          send(held.splice(0));
          write(sseComment(`replayed ${replayed} events, following live`));
        })().catch(subscriber.fail);
      }

      return reply
        .header('cache-control', 'no-cache, no-transform')
        .header('x-accel-buffering', 'no')
        // The connection serves nothing after the stream, and a kept-alive one would hold up shutdown for the keep-alive timeout.
        .header('connection', 'close')
        .type('text/event-stream; charset=utf-8')
        // A stream is piped as is (Fastify never serializes one); the 200 schema only documents the event format.
        .send(stream as unknown as string);
    },
  );
};
