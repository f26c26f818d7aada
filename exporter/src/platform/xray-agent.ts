/**
 * The `http.Agent` the official OTLP exporter sends through (its
 * `httpAgentOptions` accepts an agent factory in 0.223.1), and the reason the
 * Node path needs no transport of its own. The agent sees each request before
 * any byte is written (`addRequest` runs in the ClientRequest constructor;
 * headers go out with the first body write), so it can:
 *
 * - sign: the exporter pipes the body (gzipped or not) into the request; the
 *   agent holds the writes until `end()`, signs those exact bytes
 *   (signature.ts) and sets `x-xray-signature` before anything is sent;
 * - observe the reply for the SDK (status, `x-xray-error-code`, Retry-After,
 *   the start of the body): the exporter hands its callback neither the code
 *   nor the status of a retryable reply;
 * - leave retrying to the SDK. The exporter's own retry timer
 *   (retrying-transport.js) is not unref'd, so it would keep a process alive
 *   for up to `timeoutMillis`, and it waits exactly Retry-After, with no jitter
 *   (issue 9 item 4). So a retryable reply gets a Retry-After beyond any
 *   deadline and a network error loses its `code`: the exporter then reports
 *   at once, and export-retries.ts retries with the real values.
 *
 * Which export an agent request belongs to is carried by AsyncLocalStorage.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHmac } from 'node:crypto';
import type { Agent, ClientRequest, IncomingMessage } from 'node:http';
import { isRetryableStatus, parseRetryAfterMillis } from '../retry-policy.js';
import { signatureHeader, SIGNATURE_HEADER } from '../signature.js';

/** What the agent saw of one request. */
export interface AttemptRecord {
  status?: number;
  errorCode?: string;
  retryAfterMillis?: number;
  /** The start of the reply body (up to MAX_REPLY_BYTES). */
  body?: Buffer;
  timedOut?: boolean;
  networkCode?: string;
  networkMessage?: string;
  /** The request, once the exporter has made it (to end it at the export's deadline). */
  request?: ClientRequest;
}

/** The record of the export attempt running in this async context. */
export const attemptScope = new AsyncLocalStorage<AttemptRecord>();

const MAX_REPLY_BYTES = 64 * 1024;
/** Seconds; longer than any export deadline, so the official transport never waits itself. */
const NEVER_SECONDS = '2147483';

type AgentWithAddRequest = Agent & { addRequest(req: ClientRequest, options: unknown): void };

/**
 * An agent factory for `OTLPTraceExporter`'s `httpAgentOptions`.
 *
 * @example
 * const agents = createXRayAgentFactory('whsec_…');
 * new OTLPTraceExporter({ url, httpAgentOptions: agents.factory });
 */
export function createXRayAgentFactory(signingSecret: string | undefined): {
  factory: (protocol: string) => Promise<Agent>;
  destroy(): void;
} {
  const agents: Agent[] = [];
  return {
    async factory(protocol) {
      // Loaded lazily, as the exporter asks, so @opentelemetry/instrumentation-http can patch the module first.
      const module = protocol === 'https:' ? await import('node:https') : await import('node:http');
      const Base = module.Agent as unknown as new (options: object) => AgentWithAddRequest;
      class XRayAgent extends Base {
        override addRequest(req: ClientRequest, options: unknown): void {
          const record = attemptScope.getStore();
          if (record !== undefined) observe(req, record);
          if (signingSecret !== undefined) signOnEnd(req, signingSecret);
          super.addRequest(req, options);
        }
      }
      const agent = new XRayAgent({ keepAlive: true });
      agents.push(agent);
      return agent;
    },
    destroy() {
      for (const agent of agents.splice(0)) agent.destroy();
    },
  };
}

function observe(req: ClientRequest, record: AttemptRecord): void {
  record.request = req;
  req.prependListener('timeout', () => {
    record.timedOut = true;
  });
  req.prependListener('error', (error: NodeJS.ErrnoException) => {
    if (record.status === undefined && !record.timedOut && record.networkCode === undefined) {
      record.networkCode = error.code;
      record.networkMessage = error.message;
    }
    error.code = undefined; // see the header: the SDK retries, not the official transport
  });
  req.prependListener('response', (res: IncomingMessage) => {
    const status = res.statusCode ?? 0;
    record.status = status;
    const code = res.headers['x-xray-error-code'];
    record.errorCode = typeof code === 'string' ? code : undefined;
    const retryAfter = res.headers['retry-after'];
    record.retryAfterMillis = parseRetryAfterMillis(typeof retryAfter === 'string' ? retryAfter : undefined, Date.now());
    if (isRetryableStatus(status)) res.headers['retry-after'] = NEVER_SECONDS;
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      if (size < MAX_REPLY_BYTES) chunks.push(chunk);
      size += chunk.length;
    });
    res.on('end', () => {
      record.body = Buffer.concat(chunks).subarray(0, MAX_REPLY_BYTES);
    });
  });
}

type Callback = (error?: Error | null) => void;

/** Holds the body's writes until end(), then signs exactly those bytes and sends them with the signature header. */
function signOnEnd(req: ClientRequest, secret: string): void {
  const chunks: Buffer[] = [];
  const end = req.end.bind(req) as (chunk: Buffer, callback?: Callback) => ClientRequest;
  req.write = ((chunk: string | Uint8Array, encodingOrCallback?: BufferEncoding | Callback, callback?: Callback): boolean => {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, typeof encodingOrCallback === 'string' ? encodingOrCallback : 'utf8') : Buffer.from(chunk));
    const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (done !== undefined) queueMicrotask(() => done());
    return true;
  }) as ClientRequest['write'];
  const signingEnd = (chunk?: unknown, encodingOrCallback?: unknown, callback?: unknown): ClientRequest => {
    if (typeof chunk === 'function') return signingEnd(undefined, undefined, chunk);
    if (typeof encodingOrCallback === 'function') return signingEnd(chunk, undefined, encodingOrCallback);
    if (chunk !== undefined && chunk !== null) req.write(chunk as Uint8Array, encodingOrCallback as BufferEncoding);
    const body = Buffer.concat(chunks);
    // A request already ended (its deadline passed, the socket failed) sends nothing more: leave it be.
    if (req.destroyed || req.headersSent) return req;
    req.setHeader(SIGNATURE_HEADER, signatureHeader(secret, body, Date.now(), hmacSha256Hex));
    return end(body, callback as Callback | undefined);
  };
  req.end = signingEnd as ClientRequest['end'];
}

function hmacSha256Hex(secret: string, parts: Uint8Array[]): string {
  const hmac = createHmac('sha256', secret);
  for (const part of parts) hmac.update(part);
  return hmac.digest('hex');
}
