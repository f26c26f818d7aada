/**
 * Reads a Server-Sent Events body as the browser's EventSource parses it
 * (WHATWG HTML, "Server-sent events"): events end at a blank line, `:` lines
 * are comments, `data` lines join with newlines, `retry` sets the reconnect
 * delay. Used by `xray tail`.
 */

export interface SseMessage {
  /** `comment` for a `:` line, `retry` for a reconnect delay, else the event type (`message` when none is given). */
  type: string;
  id?: string;
  data: string;
}

function parseBlock(block: string, out: SseMessage[]): void {
  const message: SseMessage = { type: 'message', data: '' };
  const data: string[] = [];
  for (const rawLine of block.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line.startsWith(':')) {
      out.push({ type: 'comment', data: line.slice(1).trim() });
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') message.type = value;
    else if (field === 'id') message.id = value;
    else if (field === 'data') data.push(value);
    else if (field === 'retry' && /^\d+$/.test(value)) out.push({ type: 'retry', data: value });
  }
  if (data.length > 0) {
    message.data = data.join('\n');
    out.push(message);
  }
}

/**
 * @example
 * for await (const message of readSse(response.body!)) if (message.type === 'execution') print(JSON.parse(message.data));
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n/g, '\n');
      let end: number;
      const ready: SseMessage[] = [];
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        parseBlock(buffer.slice(0, end), ready);
        buffer = buffer.slice(end + 2);
      }
      yield* ready;
    }
  } finally {
    reader.releaseLock();
  }
}
