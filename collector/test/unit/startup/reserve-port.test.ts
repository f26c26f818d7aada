import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { reservePort } from '../../../src/startup/reserve-port.js';

describe('startup/reserve-port', () => {
  describe('reservePort', () => {
    it('resets a connection made while the port is reserved and still releases it (regression: a probe during start-up kept the collector from ever listening)', async () => {
      const reserved = await reservePort('127.0.0.1', 0);
      const socket = connect({ host: '127.0.0.1', port: reserved.port });
      const ended = new Promise<string>((resolve) => {
        socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
        socket.on('close', () => resolve('closed'));
      });
      // The client is not left hanging: its connection ends.
      expect(['closed', 'ECONNRESET']).toContain(await ended);
      // And release() returns, so the real server can listen.
      await reserved.release();
      socket.destroy();
    });

    it('refuses a port that is taken, naming it', async () => {
      const first = await reservePort('127.0.0.1', 0);
      await expect(reservePort('127.0.0.1', first.port)).rejects.toThrow(`Port ${first.port}`);
      await first.release();
    });
  });
});
