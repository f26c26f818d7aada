/**
 * CORS for `POST /v1/traces` only, through @fastify/cors, so a page can send
 * its executions with the browser SDK. Nothing is allowed by default: an app
 * lists its origins through the admin API.
 *
 * A preflight (OPTIONS) carries no key, so it can only be checked against the
 * union of every app's origins. The POST that follows carries the key, and is
 * then checked against that key's app alone: an origin one app allows cannot
 * write into another app. A refused origin answers 403
 * XRAY_ERR_CORS_ORIGIN_NOT_ALLOWED from the hook itself, before the route
 * runs (without CORS headers, so the page cannot read it; the browser
 * reports a CORS failure). Every other route, and any request without an
 * Origin header, is left alone.
 */
import fastifyCors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { toErrorBody, XRayError } from '../errors.js';
import type { OriginCache } from './origin-cache.js';

export const TRACES_PATH = '/v1/traces';

export interface TracesCorsOptions {
  cache: OriginCache;
  credentialOf: (request: FastifyRequest) => string | undefined;
  /** The app of a credential, or undefined (the traces route answers 401 then). */
  resolveApp: (credential: string | undefined) => Promise<string | undefined>;
  /** How long a browser may cache a preflight. */
  maxAgeSeconds?: number;
}

/** Headers the SDK reads from a reply: the error code and when to retry. */
const EXPOSED_HEADERS = ['x-xray-error-code', 'retry-after'];
const ALLOWED_HEADERS = ['authorization', 'x-api-key', 'content-type', 'content-encoding', 'x-xray-signature'];

/**
 * Registers CORS for `/v1/traces` on `app`, the scope that holds the traces
 * route (its hooks run for that scope's routes alone): a hook that decides
 * (and answers a refusal itself, before any route or error handler), then
 * @fastify/cors, which writes the headers and answers allowed preflights.
 *
 * @example
 * await registerTracesCors(app, { cache, credentialOf, resolveApp });
 */
export async function registerTracesCors(app: FastifyInstance, options: TracesCorsOptions): Promise<void> {
  const decisions = new WeakMap<FastifyRequest, FastifyCorsOptions>();
  const decide = createCorsDecider(options);
  app.addHook('onRequest', async (request, reply) => {
    const decision = await decide(request);
    if (decision instanceof XRayError) {
      const status = { code: 7, message: `${decision.code}: ${decision.message}` }; // google.rpc PERMISSION_DENIED
      return reply
        .code(decision.statusCode)
        .header('x-xray-error-code', decision.code)
        .type('application/json')
        .send(request.method === 'OPTIONS' ? toErrorBody(decision) : status);
    }
    decisions.set(request, decision);
  });
  await app.register(fastifyCors, {
    hook: 'onRequest',
    delegator: async (request: FastifyRequest): Promise<FastifyCorsOptions> => decisions.get(request) ?? { origin: false },
  });
}

/** Decides one request: CORS options to apply, `{ origin: false }` to stay out, or the refusal. */
export function createCorsDecider(options: TracesCorsOptions): (request: FastifyRequest) => Promise<FastifyCorsOptions | XRayError> {
  const allowed = (origin: string): FastifyCorsOptions => ({
    origin,
    methods: ['POST'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: options.maxAgeSeconds ?? 600,
    strictPreflight: true,
  });
  return async (request) => {
    const origin = request.headers.origin;
    if (typeof origin !== 'string' || pathOf(request.url) !== TRACES_PATH) return { origin: false };
    const snapshot = await options.cache.snapshot();
    if (request.method === 'OPTIONS') return snapshot.anyApp.has(origin) ? allowed(origin) : refused(origin);
    if (request.method !== 'POST') return { origin: false };
    const appId = await options.resolveApp(options.credentialOf(request));
    // Without a valid key, let the page read the route's 401 if its origin is allowed somewhere.
    if (appId === undefined) return snapshot.anyApp.has(origin) ? allowed(origin) : refused(origin);
    return snapshot.byApp.get(appId)?.has(origin) === true ? allowed(origin) : refused(origin);
  };
}

function refused(origin: string): XRayError {
  return new XRayError(
    'XRAY_ERR_CORS_ORIGIN_NOT_ALLOWED',
    `Origin ${JSON.stringify(origin.slice(0, 200))} may not send spans for this app; allow it with PUT /api/v1/admin/apps/:appId/cors`,
  );
}

/** The path of a request target, from a parse (no query string, no fragment). */
function pathOf(url: string): string {
  try {
    return new URL(url, 'http://collector.invalid').pathname;
  } catch {
    return '';
  }
}
