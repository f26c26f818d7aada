/**
 * The port is held from start-up until the real server listens; a client
 * that connects in between (a readiness probe polling from the first moment)
 * must not keep the port from being handed over.
 */
import { connect } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { reservePort } from '../../../src/startup/reserve-port.js';

describe('reservePort', () => {
  it('releases the port while a client that connected during start-up is still waiting for an answer', async () => {
    const reserved = await reservePort('127.0.0.1', 0);
    const client = connect(reserved.port, '127.0.0.1');
    const closed = once(client, 'close');
    client.on('error', () => {});
    await once(client, 'connect');
    await reserved.release();
    // The early client was reset rather than held: it sees its connection end.
    await closed;
    expect(client.destroyed).toBe(true);
  });
});
