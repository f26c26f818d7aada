/**
 * The audit log: every query-API read and every admin action, recorded after
 * the reply is sent (never delaying or failing it) and readable at
 * GET /api/v1/admin/audit and with `xray audit`.
 *
 * @example
 * const audit = await createAudit({ backend: store.backend, registry: metrics.registry, isAdminToken });
 * audit.attach(app);                 // hooks on every /api/v1 request
 * await admin.register(audit.routes); // GET /api/v1/admin/audit
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import type { ClickHouseBackend } from '../store/index.js';
import { attachAuditHooks } from './audit-hooks.js';
import { applyAuditRetention, createAuditRepository } from './audit-repository.js';
import { auditRoutes } from './audit-routes.js';
import { createAuditWriter } from './audit-writer.js';
import type { AuditWriter } from './audit-writer.js';

export interface AuditOptions {
  backend: ClickHouseBackend;
  registry: Registry;
  /** Days audit entries are kept (XRAY_AUDIT_RETENTION_DAYS); the migration's 90 when omitted. */
  retentionDays?: number;
  /** How often queued entries are written. */
  flushIntervalMillis?: number;
  /** True when a credential is the admin token (constant-time compare). */
  isAdminToken: (credential: string) => boolean;
}

export { toAuditEntry } from './audit-entry.js';

export interface Audit {
  /** Adds the recording hooks to the root instance. */
  attach(app: FastifyInstance): void;
  /** The admin route plugin (GET /audit). */
  routes: FastifyPluginAsync;
  writer: AuditWriter;
}

export async function createAudit(options: AuditOptions): Promise<Audit> {
  if (options.retentionDays !== undefined) await applyAuditRetention(options.backend, options.retentionDays);
  const writer = createAuditWriter({ backend: options.backend, registry: options.registry, flushIntervalMillis: options.flushIntervalMillis });
  const repository = createAuditRepository(options.backend);
  return {
    attach: (app) => attachAuditHooks(app, { writer, isAdminToken: options.isAdminToken }),
    routes: async (admin) => admin.register(auditRoutes, { repository }),
    writer,
  };
}
