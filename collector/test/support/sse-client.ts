/**
 * Opens a Server-Sent Events stream for tests and hands out its events and
 * comments one at a time, parsed by the CLI's reader (as EventSource would).
 */
import { readSse } from '../../src/cli/sse-reader.js';
import type { SseMessage } from '../../src/cli/sse-reader.js';

export type { SseMessage } from '../../src/cli/sse-reader.js';

export interface SseStream {
  status: number;
  headers: Headers;
  /** The body when the reply was not a stream (an error). */
  errorBody?: any;
  /** The next event or comment; rejects when the stream ends first. */
  next(): Promise<SseMessage>;
  /** Messages up to the first that `until` accepts (included). */
  collect(until: (message: SseMessage) => boolean): Promise<SseMessage[]>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string>): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
    const errorBody = await response.json();
    const notAStream = () => Promise.reject(new Error('not a stream'));
    return { status: response.status, headers: response.headers, errorBody, next: notAStream, collect: notAStream, close: () => {} };
  }
  const messages = readSse(response.body!);
  async function next(): Promise<SseMessage> {
    const { value, done } = await messages.next();
    if (done) throw new Error('stream ended');
    return value;
  }
  return {
    status: response.status,
    headers: response.headers,
    next,
    async collect(until) {
      const seen: SseMessage[] = [];
      for (;;) {
        const message = await next();
        seen.push(message);
        if (until(message)) return seen;
      }
    },
    close: () => controller.abort(),
  };
}
