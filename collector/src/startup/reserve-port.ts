/**
 * Binds the collector's port before anything slow happens (opening
 * ClickHouse, migrations), so a port clash fails in milliseconds with a
 * message saying which port and what to do, instead of after a full start.
 * The probe holds the port until just before Fastify listens on it.
 */
import { createServer } from 'node:net';
import { StartupError } from './startup-error.js';

export interface ReservedPort {
  /** The bound port (the chosen one when 0 was asked for). */
  port: number;
  /** Frees the port so the real server can listen on it. */
  release(): Promise<void>;
}

/**
 * Turns a listen error into a StartupError naming the address and the fix;
 * anything else is returned unchanged.
 *
 * @example
 * server.on('error', (error) => reject(explainListenError(error, '127.0.0.1', 4318)));
 */
export function explainListenError(error: unknown, host: string, port: number, setting = 'XRAY_PORT'): unknown {
  // grpc-js reports a failed bind only in its message ("... listen EADDRINUSE ...").
  const message = error instanceof Error ? error.message : '';
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? /\b(EADDRINUSE|EACCES|EADDRNOTAVAIL)\b/.exec(message)?.[1];
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE') {
    return new StartupError(
      'port',
      `Port ${port} on ${host} is already in use (another collector, or another program, is listening on ${where}).\n` +
        `Stop that process, or start this collector on another port: ${setting}=${port + 1} npm start (${setting}=0 picks a free one).`,
      { cause: error },
    );
  }
  if (code === 'EACCES') {
    return new StartupError(
      'port',
      `Not allowed to listen on ${where}: ports below 1024 need extra privileges.\nSet ${setting} to a port from 1024 to 65535.`,
      { cause: error },
    );
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new StartupError(
      'port',
      `Cannot listen on ${where}: XRAY_HOST=${JSON.stringify(host)} is not an address of this machine.\nSet XRAY_HOST to 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).`,
      { cause: error },
    );
  }
  return error;
}

/**
 * @example
 * const reserved = await reservePort('127.0.0.1', 4318); // throws StartupError('port') when taken
 * // … open the store, run migrations …
 * await reserved.release();
 * await app.listen({ host: '127.0.0.1', port: reserved.port });
 */
export async function reservePort(host: string, port: number, setting = 'XRAY_PORT'): Promise<ReservedPort> {
  // A client that connects while the port is only reserved (a readiness probe polling from the start) is
  // dropped at once: it retries, and server.close() (which waits for every accepted connection) never
  // waits on it. Kept open, such a connection held start-up forever.
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(explainListenError(error, host, port, setting)));
    server.listen({ host, port, exclusive: true }, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return {
    port: bound,
    release: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
