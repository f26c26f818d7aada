import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { reservePort } from '../../../src/startup/reserve-port.js';

describe('startup/reserve-port', () => {
  describe('reservePort', () => {
    it('closes connections made while the port is held, so release() does not wait for them (regression: a probe during migrations stalled start-up)', async () => {
      const reserved = await reservePort('127.0.0.1', 0);
      const socket = connect(reserved.port, '127.0.0.1');
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      socket.on('error', () => undefined);
      await closed;
      await reserved.release();
      // Released: the port can be bound again.
      const again = await reservePort('127.0.0.1', reserved.port);
      await again.release();
      expect(again.port).toBe(reserved.port);
    });

    it('refuses a port that is taken, naming it', async () => {
      const held = await reservePort('127.0.0.1', 0);
      await expect(reservePort('127.0.0.1', held.port)).rejects.toThrow(`Port ${held.port} on 127.0.0.1 is already in use`);
      await held.release();
    });
  });
});
