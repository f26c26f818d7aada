import { connect } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { reservePort } from '../../../src/startup/reserve-port.js';

describe('reserve-port', () => {
  describe('reservePort', () => {
    it('releases the port while a client that connected during start-up is still open (regression: start-up hung on a readiness probe)', async () => {
      const reserved = await reservePort('127.0.0.1', 0);
      // A probe that connects and never ends its request.
      const client = connect({ host: '127.0.0.1', port: reserved.port });
      client.on('error', () => undefined);
      await once(client, 'connect');
      const released = await Promise.race([reserved.release().then(() => 'released'), new Promise((resolve) => setTimeout(() => resolve('held'), 5000))]);
      client.destroy();
      expect(released).toBe('released');
    });
  });
});
