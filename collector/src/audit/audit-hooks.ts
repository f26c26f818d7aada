/**
 * The hooks that record every /api/v1 request (query-API reads and admin
 * actions): the rows a reply carries are read from its payload before
 * serialization, and the entry is queued after the reply is sent, so
 * recording adds nothing to the request and no failure of it reaches the
 * client.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { keyDisplayPrefix } from '../auth/api-key.js';
import { credentialFrom } from '../auth/credentials.js';
import { rowsInPayload, toAuditEntry } from './audit-entry.js';
import type { AuditWriter } from './audit-writer.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Rows the reply carries, set by the audit hook before serialization. */
    auditRows: number;
    /** The reply of a route with `config.auditReply`, kept for its audit entry. */
    auditReply: unknown;
  }
  interface FastifyContextConfig {
    /**
     * Record the route's successful reply in its audit entry (`params.reply`):
     * for actions whose reply says what they did, such as a deletion's counts.
     * Never for a reply that may hold a secret (a new key).
     */
    auditReply?: boolean;
  }
}

export interface AuditHooksOptions {
  writer: AuditWriter;
  /** True when a credential is the admin token (compared in constant time by the caller). */
  isAdminToken: (credential: string) => boolean;
  /** Counts entries that could not even be built (a bug); never thrown. */
  onError?: (error: unknown) => void;
}

const isAudited = (request: FastifyRequest) => request.url === '/api/v1' || request.url.startsWith('/api/v1/') || request.url.startsWith('/api/v1?');

function actorOf(request: FastifyRequest, isAdminToken: (credential: string) => boolean): string {
  const credential = credentialFrom(request.headers);
  if (!credential) return 'anonymous';
  if (isAdminToken(credential)) return 'admin';
  // Only an accepted key is named, by its display prefix; a rejected credential may be anything, even a mistyped token.
  return request.appId ? keyDisplayPrefix(credential) : 'anonymous';
}

function appOf(request: FastifyRequest): string {
  if (request.appId) return request.appId;
  const appId = (request.params as Record<string, unknown> | undefined)?.appId;
  return typeof appId === 'string' ? appId : '';
}

function record(request: FastifyRequest, reply: FastifyReply, options: AuditHooksOptions): void {
  const path = request.url.split('?')[0];
  options.writer.record(
    toAuditEntry({
      method: request.method,
      path,
      route: request.routeOptions.url ?? 'unmatched',
      query: request.query,
      params: request.params,
      body: path.startsWith('/api/v1/admin/') ? request.body : undefined,
      reply: request.auditReply,
      appId: appOf(request),
      actor: actorOf(request, options.isAdminToken),
      status: reply.statusCode,
      rows: request.auditRows,
      durationMillis: reply.elapsedTime,
      requestId: randomUUID(),
      startedAtMillis: Date.now() - reply.elapsedTime,
    }),
  );
}

/** Adds the audit hooks to the root instance; call before routes are registered. */
export function attachAuditHooks(app: FastifyInstance, options: AuditHooksOptions): void {
  app.decorateRequest('auditRows', 0);
  app.decorateRequest('auditReply', undefined);
  app.addHook('preSerialization', async (request, reply, payload) => {
    if (isAudited(request)) {
      request.auditRows = rowsInPayload(reply.statusCode, payload);
      if (request.routeOptions.config?.auditReply && reply.statusCode < 400) request.auditReply = payload;
    }
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    if (!isAudited(request)) return;
    try {
      record(request, reply, options);
    } catch (error) {
      options.onError?.(error);
    }
  });
  app.addHook('onClose', async () => {
    await options.writer.close();
  });
}
