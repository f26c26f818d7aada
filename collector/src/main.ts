#!/usr/bin/env node
/**
 * Starts the collector: reads and validates the environment, binds the port
 * (first, so a clash costs milliseconds, not a full start), opens the store
 * (embedded chDB unless CLICKHOUSE_URL is set), applies migrations, makes
 * sure a default app exists, listens (OTLP/HTTP and the API, then
 * OTLP/gRPC), and shuts down cleanly on SIGINT/SIGTERM (stop accepting,
 * finish in-flight requests, write pending rows, close).
 * Every start-up failure is printed as what went wrong and how to fix it,
 * with its own exit code (startup/).
 */
import { buildApp } from './app.js';
import { ensureReadOnlyKey } from './auth/ensure-read-key.js';
import { ensureMasterKey } from './auth/master-key.js';
import { defaultKeyLines, ensureAdminToken, ensureDefaultApp } from './bootstrap.js';
import { loadConfig } from './config.js';
import { ingestThroughTracesRoute } from './grpc/http-bridge.js';
import { startGrpcServer } from './grpc/server.js';
import type { GrpcServer } from './grpc/server.js';
import { createLogger } from './logger.js';
import { checkDataDirFree, checkMigrationsDir, describeStartupFailure, explainListenError, explainStoreFailure, reservePort } from './startup/index.js';
import { createBackend, openStore } from './store/index.js';

/** How long a signalled shutdown may take before the process exits anyway. */
const SHUTDOWN_DEADLINE_MILLIS = 30_000;

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  checkMigrationsDir(config.migrationsDir);
  const logger = createLogger({ level: config.logLevel });
  const reserved = await reservePort(config.host, config.port);
  // A fixed gRPC port is checked before migrations too; a free one (0) cannot clash.
  const reservedGrpc = config.grpcPort ? await reservePort(config.host, config.grpcPort, 'XRAY_GRPC_PORT') : undefined;
  checkDataDirFree(config);
  const store = await openStore({
    backend: config.clickhouse,
    migrationsDir: config.migrationsDir,
    batch: config.batch,
    retentionDays: config.retentionDays,
    cluster: config.clickhouse.kind === 'server' ? config.clickhouse.cluster : undefined,
    rollups: { intervalMillis: config.rollups.intervalMillis, lagMillis: config.rollups.lagMillis },
  }).catch((error: unknown) => {
    throw explainStoreFailure(error, config);
  });
  logger.info(
    { backend: store.backend.kind, applied: store.migrations.applied, alreadyApplied: store.migrations.alreadyApplied.length },
    'clickhouse ready',
  );
  const defaultApp = await ensureDefaultApp(store.apps, { appId: config.defaultApp, apiKey: config.apiKey, dataDir: config.dataDir });
  if (config.readApiKey) await ensureReadOnlyKey(store.apps, defaultApp.appId, config.readApiKey);
  const adminToken = ensureAdminToken(config.adminToken, config.dataDir);
  // Admin SQL as its own read-only ClickHouse user, when one is configured (server backend only).
  const { clickhouse } = config;
  const sqlBackend = clickhouse.kind === 'server' && clickhouse.sqlUser ? await createBackend({ ...clickhouse, ...clickhouse.sqlUser }) : undefined;
  const { app } = await buildApp({
    store,
    keyCacheTtlMillis: config.keyCacheTtlSeconds * 1000,
    appCacheTtlMillis: config.appCacheTtlSeconds * 1000,
    executionCache: { maxBytes: config.executionCache.maxBytes, maxAgeMillis: config.executionCache.maxAgeSeconds * 1000 },
    replyStore: config.replyStore && {
      path: config.replyStore.path,
      settleMillis: config.replyStore.settleSeconds * 1000,
      intervalMillis: config.replyStore.intervalSeconds * 1000,
      cacheBytes: config.replyStore.cacheBytes,
      searchSieves: config.replyStore.searchSieves,
    },
    listHead: { maxRows: config.listHeadRows },
    maxBodyBytes: config.maxBodyBytes,
    adminToken,
    logger,
    defaultMetrics: true,
    sqlLimits: config.adminSql,
    rateLimit: config.rateLimit,
    signatureWindowSeconds: config.signatureWindowSeconds,
    masterKey: ensureMasterKey(config.secretKey, config.dataDir),
    maxFutureSkewSeconds: config.maxFutureSkewSeconds,
    storeTimeoutMillis: config.storeTimeoutMillis,
    maxInFlightBytes: config.maxInFlightBytes,
    maxEventLoopDelayMillis: config.maxEventLoopDelayMillis,
    gcExternalMb: config.gcExternalMb,
    decode: config.decode,
    sqlBackend,
    auditRetentionDays: config.auditRetentionDays,
    requestLog: { logEveryRequest: config.logRequests, slowRequestMillis: config.slowRequestMillis },
    live: config.live,
    webhooks: config.webhooks,
    retentionSweepMillis: config.retentionSweepSeconds * 1000,
    priceTable: config.priceTable,
  });
  // Handlers go in before anything is announced: whoever reads the banner may signal at once.
  let closing = false;
  let grpc: GrpcServer | undefined;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    // A shutdown that cannot finish (a hung store) must still end the process:
    // rows not yet written were never acknowledged, so their senders retry.
    setTimeout(() => {
      logger.error({ signal, timeoutSeconds: SHUTDOWN_DEADLINE_MILLIS / 1000 }, 'shutdown did not finish in time; exiting without it');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MILLIS).unref();
    try {
      await grpc?.close();
      await app.close();
      await sqlBackend?.close();
      await store.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  await reserved.release();
  await reservedGrpc?.release();
  const address = await app.listen({ host: config.host, port: reserved.port }).catch(async (error: unknown) => {
    await store.close().catch(() => {});
    throw explainListenError(error, config.host, reserved.port);
  });
  if (config.grpcPort !== undefined) {
    const grpcPort = config.grpcPort;
    grpc = await startGrpcServer({
      host: config.host,
      port: grpcPort,
      maxMessageBytes: config.maxBodyBytes,
      ingest: ingestThroughTracesRoute(app),
      onInternalError: (error) => logger.error({ err: error }, 'OTLP/gRPC export failed'),
    }).catch(async (error: unknown) => {
      await app.close().catch(() => {});
      await store.close().catch(() => {});
      throw explainListenError(error, config.host, grpcPort, 'XRAY_GRPC_PORT');
    });
  }

  const where = config.clickhouse.kind === 'embedded' ? `embedded ClickHouse in ${config.clickhouse.dataDir}` : config.clickhouse.url;
  process.stdout.write(
    [
      '',
      `  X-Ray collector listening on ${address}  (${where})`,
      `  OTLP/HTTP traces:  ${address}/v1/traces`,
      ...(grpc ? [`  OTLP/gRPC traces:  ${grpc.address}`] : []),
      `  Query API:         ${address}/api/v1   (OpenAPI: ${address}/openapi.json)`,
      ...defaultKeyLines(defaultApp, config.dataDir, address).map((line) => `  ${line}`),
      '',
    ].join('\n') + '\n',
  );
}

main().catch((error: unknown) => {
  const { text, exitCode } = describeStartupFailure(error);
  process.stderr.write(text);
  process.exit(exitCode);
});
