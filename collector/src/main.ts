#!/usr/bin/env node
/**
 * Starts the collector: reads and validates the environment, opens the store
 * (embedded chDB unless CLICKHOUSE_URL is set), applies migrations, makes
 * sure a default app exists, listens, and shuts down cleanly on SIGINT/SIGTERM
 * (stop accepting, finish in-flight requests, write pending rows, close).
 */
import { buildApp } from './app.js';
import { defaultKeyLines, ensureAdminToken, ensureDefaultApp } from './bootstrap.js';
import { ensureReadOnlyKey } from './auth/ensure-read-key.js';
import { ensureMasterKey } from './auth/master-key.js';
import { ConfigError, loadConfig } from './config.js';
import { ingestThroughTracesRoute } from './grpc/http-bridge.js';
import { startGrpcServer } from './grpc/server.js';
import { createLogger } from './logger.js';
import { openStore } from './store/index.js';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger({ level: config.logLevel });
  const store = await openStore({
    backend: config.clickhouse,
    migrationsDir: config.migrationsDir,
    batch: config.batch,
    retentionDays: config.retentionDays,
    cluster: config.clickhouse.kind === 'server' ? config.clickhouse.cluster : undefined,
  });
  logger.info(
    { backend: store.backend.kind, applied: store.migrations.applied, alreadyApplied: store.migrations.alreadyApplied.length },
    'clickhouse ready',
  );
  const defaultApp = await ensureDefaultApp(store.apps, { appId: config.defaultApp, apiKey: config.apiKey, dataDir: config.dataDir });
  if (config.readApiKey) await ensureReadOnlyKey(store.apps, defaultApp.appId, config.readApiKey);
  const adminToken = ensureAdminToken(config.adminToken, config.dataDir);
  const { app } = await buildApp({
    store,
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
    retentionSweepMillis: config.retentionSweepSeconds * 1000,
  });
  const address = await app.listen({ host: config.host, port: config.port });
  const grpc =
    config.grpcPort === undefined
      ? undefined
      : await startGrpcServer({
          host: config.host,
          port: config.grpcPort,
          maxMessageBytes: config.maxBodyBytes,
          ingest: ingestThroughTracesRoute(app),
          onInternalError: (error) => logger.error({ err: error }, 'OTLP/gRPC export failed'),
        });

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

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    try {
      await grpc?.close();
      await app.close();
      await store.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`X-Ray collector failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
