#!/usr/bin/env node
/**
 * Starts the collector: reads and validates the environment, binds the port
 * (first, so a clash costs milliseconds, not a full start), opens the store
 * (embedded chDB unless CLICKHOUSE_URL is set), applies migrations, makes
 * sure a default app exists, listens, and shuts down cleanly on SIGINT/SIGTERM
 * (stop accepting, finish in-flight requests, write pending rows, close).
 * Every start-up failure is printed as what went wrong and how to fix it,
 * with its own exit code (startup/).
 */
import { pino } from 'pino';
import { buildApp } from './app.js';
import { ensureAdminToken, ensureDefaultApp } from './bootstrap.js';
import { loadConfig } from './config.js';
import { checkDataDirFree, checkMigrationsDir, describeStartupFailure, explainListenError, explainStoreFailure, reservePort } from './startup/index.js';
import { openStore } from './store/index.js';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  checkMigrationsDir(config.migrationsDir);
  const logger = pino({ level: config.logLevel, name: 'xray-collector' });
  const reserved = await reservePort(config.host, config.port);
  checkDataDirFree(config);
  const store = await openStore({
    backend: config.clickhouse,
    migrationsDir: config.migrationsDir,
    batch: config.batch,
    retentionDays: config.retentionDays,
  }).catch((error: unknown) => {
    throw explainStoreFailure(error, config);
  });
  logger.info(
    { backend: store.backend.kind, applied: store.migrations.applied, alreadyApplied: store.migrations.alreadyApplied.length },
    'clickhouse ready',
  );
  const defaultApp = await ensureDefaultApp(store.apps, { appId: config.defaultApp, apiKey: config.apiKey, dataDir: config.dataDir });
  const adminToken = ensureAdminToken(config.adminToken, config.dataDir);
  const { app } = await buildApp({
    store,
    maxBodyBytes: config.maxBodyBytes,
    adminToken,
    logger,
    defaultMetrics: true,
    requestLog: { logEveryRequest: config.logRequests, slowRequestMillis: config.slowRequestMillis },
  });
  // Handlers go in before anything is announced: whoever reads the banner may signal at once.
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    try {
      await app.close();
      await store.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  await reserved.release();
  const address = await app.listen({ host: config.host, port: reserved.port }).catch(async (error: unknown) => {
    await store.close().catch(() => {});
    throw explainListenError(error, config.host, reserved.port);
  });

  const where = config.clickhouse.kind === 'embedded' ? `embedded ClickHouse in ${config.clickhouse.dataDir}` : config.clickhouse.url;
  process.stdout.write(
    [
      '',
      `  X-Ray collector listening on ${address}  (${where})`,
      `  OTLP/HTTP traces:  ${address}/v1/traces`,
      `  Query API:         ${address}/api/v1   (OpenAPI: ${address}/openapi.json)`,
      `  App "${defaultApp.appId}" API key:  ${defaultApp.apiKey}`,
      `  export XRAY_API_KEY=${defaultApp.apiKey} XRAY_ENDPOINT=${address}`,
      '',
    ].join('\n') + '\n',
  );
}

main().catch((error: unknown) => {
  const { text, exitCode } = describeStartupFailure(error);
  process.stderr.write(text);
  process.exit(exitCode);
});
