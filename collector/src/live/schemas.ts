/** The zod schemas of GET /api/v1/executions/stream: the list's filters, no time window (a stream has no end). */
import { z } from 'zod';
import { executionFilterParams } from '../api/schemas.js';

export const streamQuery = z
  .object({
    ...executionFilterParams,
    lastEventId: z
      .string()
      .max(512)
      .optional()
      .describe('Resume after this event (for clients that cannot send the `Last-Event-ID` header, which wins when both are sent)'),
  })
  .strict();

export const streamResponse = z
  .string()
  .describe(
    'text/event-stream. Each stored execution that matches is one `event: execution` whose `data:` is the execution as ' +
      'GET /api/v1/executions lists it and whose `id:` resumes the stream after it (`Last-Event-ID`). ' +
      'A `: heartbeat` comment keeps idle connections open.',
  );
