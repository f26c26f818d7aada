#!/usr/bin/env node
/**
 * Starts the collector: reads and validates the environment, opens the store
 * (embedded chDB unless CLICKHOUSE_URL is set), applies migrations, makes
 * sure a default app exists, listens, and shuts down cleanly on SIGINT/SIGTERM
 * (stop accepting, finish in-flight requests, write pending rows, close).
 */
import { pino } from 'pino';
import { buildApp } from './app.js';
import { ensureAdminToken, ensureDefaultApp } from './bootstrap.js';
import { ConfigError, loadConfig } from './config.js';
import { openStore } from './store/index.js';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = pino({ level: config.logLevel, name: 'xray-collector' });
  const store = await openStore({
    backend: config.clickhouse,
    migrationsDir: config.migrationsDir,
    batch: config.batch,
    retentionDays: config.retentionDays,
  });
  logger.info(
    { backend: store.backend.kind, applied: store.migrations.applied, alreadyApplied: store.migrations.alreadyApplied.length },
    'clickhouse ready',
  );
  const defaultApp = await ensureDefaultApp(store.apps, { appId: config.defaultApp, apiKey: config.apiKey, dataDir: config.dataDir });
  const adminToken = ensureAdminToken(config.adminToken, config.dataDir);
  const { app } = await buildApp({ store, maxBodyBytes: config.maxBodyBytes, adminToken, logger, defaultMetrics: true, live: config.live });
  const address = await app.listen({ host: config.host, port: config.port });

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
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`X-Ray collector failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
