/**
 * One log line per request, at a level an operator can live with: every
 * request at `debug` (or `info` with XRAY_LOG_REQUESTS=true), while server
 * errors (5xx) and slow requests are logged at `warn` so they stay visible at
 * the default `info` level. Fastify's own two lines per request ("incoming
 * request", "request completed", both at info) are turned off in buildApp
 * with a LogController's `disableRequestLogging`; this hook replaces them.
 */
import type { FastifyInstance } from 'fastify';
import { maskSecrets } from '../auth/mask-secrets.js';

export interface RequestLogOptions {
  /** Log every request at info instead of debug. */
  logEveryRequest?: boolean;
  /** Requests slower than this are logged at warn. */
  slowRequestMillis?: number;
}

export const DEFAULT_SLOW_REQUEST_MILLIS = 1000;

/** Which level a finished request is logged at. */
export function requestLogLevel(
  statusCode: number,
  elapsedMillis: number,
  options: RequestLogOptions,
): 'warn' | 'info' | 'debug' {
  if (statusCode >= 500) return 'warn';
  if (elapsedMillis >= (options.slowRequestMillis ?? DEFAULT_SLOW_REQUEST_MILLIS)) return 'warn';
  return options.logEveryRequest ? 'info' : 'debug';
}

/**
 * Adds the request log to an app (on the root instance, so it sees every route).
 *
 * @example
 * const app = Fastify({ loggerInstance: logger, logController: new LogController({ disableRequestLogging: true }) });
 * addRequestLog(app, { slowRequestMillis: 1000 });
 */
export function addRequestLog(app: FastifyInstance, options: RequestLogOptions = {}): void {
  app.addHook('onResponse', async (request, reply) => {
    const elapsedMillis = reply.elapsedTime;
    const level = requestLogLevel(reply.statusCode, elapsedMillis, options);
    const slow = elapsedMillis >= (options.slowRequestMillis ?? DEFAULT_SLOW_REQUEST_MILLIS);
    request.log[level](
      {
        method: request.method,
        // A key pasted into a URL (say, a whole key given to `keys revoke`) is masked, as in every other log line.
        url: maskSecrets(request.url.split('?')[0]),
        route: request.routeOptions.url,
        statusCode: reply.statusCode,
        responseTimeMillis: Math.round(elapsedMillis * 10) / 10,
        errorCode: reply.getHeader('x-xray-error-code'),
      },
      reply.statusCode >= 500 ? 'request failed' : slow ? 'slow request' : 'request',
    );
  });
}
