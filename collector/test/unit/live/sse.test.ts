import { describe, expect, it } from 'vitest';
import { sseComment, sseEvent, sseRetry } from '../../../src/live/sse.js';

describe('sse', () => {
  it('frames an event with id, type and data, ended by a blank line', () => {
    expect(sseEvent({ id: '1-YQ', event: 'execution', data: '{"a":1}' })).toBe('id: 1-YQ\nevent: execution\ndata: {"a":1}\n\n');
  });
  it('splits multi-line data into data lines so no line ends the event early', () => {
    expect(sseEvent({ data: 'a\nb' })).toBe('data: a\ndata: b\n\n');
  });
  it('writes comments and the reconnection delay', () => {
    expect(sseComment('heartbeat')).toBe(': heartbeat\n\n');
    expect(sseRetry(2000)).toBe('retry: 2000\n\n');
  });
});
