/**
 * Server-Sent Events framing (WHATWG HTML, "Server-sent events"): fields are
 * `name: value` lines, an event ends with a blank line, a line starting with
 * `:` is a comment. `data` is JSON here, which never holds a raw newline.
 */

export function sseEvent(event: { id?: string; event?: string; data: string }): string {
  let text = '';
  if (event.id !== undefined) text += `id: ${event.id}\n`;
  if (event.event !== undefined) text += `event: ${event.event}\n`;
  for (const line of event.data.split('\n')) text += `data: ${line}\n`;
  return `${text}\n`;
}

export function sseComment(text: string): string {
  return `: ${text}\n\n`;
}

/** Tells the browser's EventSource how long to wait before reconnecting. */
export function sseRetry(millis: number): string {
  return `retry: ${Math.round(millis)}\n\n`;
}
