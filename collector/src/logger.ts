/**
 * The collector's pino logger. Credentials never reach the log: request
 * headers that carry them (API keys, the admin token, request signatures,
 * cookies) and fields named like secrets are replaced by `[redacted]`
 * wherever a log line holds them, whoever logs it (Fastify's request
 * serializers, an error with its request, our own lines).
 */
import { pino } from 'pino';
import { maskSecrets } from './auth/mask-secrets.js';
import type { DestinationStream, Level, Logger } from 'pino';

const SECRET_HEADERS = ['authorization', 'x-api-key', 'x-xray-signature', 'cookie', 'proxy-authorization', 'x-clickhouse-key'];
const SECRET_FIELDS = ['apiKey', 'adminToken', 'signingSecret', 'password', 'token', 'key'];

/** Paths pino replaces, for headers at the usual places and secret-named fields up to two levels deep. */
export const REDACTED_PATHS: readonly string[] = [
  ...['req.headers', 'request.headers', 'headers'].flatMap((at) => SECRET_HEADERS.map((header) => `${at}["${header}"]`)),
  ...SECRET_FIELDS.flatMap((field) => [field, `*.${field}`]),
];

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/**
 * What a request line says, as Fastify's own serializer has it (no headers),
 * with a key pasted into the URL (say, a whole key given to `keys revoke`) masked.
 */
function serializeRequest(req: LoggedRequest) {
  return { method: req.method, url: maskSecrets(String(req.url ?? '')), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort };
}

export interface LoggerOptions {
  level: Level | 'silent';
  /** Where lines go; stdout when omitted. */
  destination?: DestinationStream;
}

/**
 * Creates the collector's logger.
 *
 * @example
 * const logger = createLogger({ level: 'info' });
 */
export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    name: 'xray-collector',
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    // A key pasted into a URL (say, a whole key given to `keys revoke`) is masked in the logged URL.
    serializers: { req: serializeRequest },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
