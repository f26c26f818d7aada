/**
 * GET /version: which collector and which API version answer here, for
 * `xray --version` and for operators. Needs no key: it reveals no tenant data.
 */
import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';

/** The major version of the query API; its routes live under /api/v1. */
export const API_VERSION = 'v1';

/** The collector package's version (collector/package.json, from src/ or dist/ alike). */
export const COLLECTOR_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export const versionRoutes: FastifyPluginAsync = async (app) => {
  app.get('/version', { schema: { hide: true } }, async () => ({ collector: COLLECTOR_VERSION, api: API_VERSION }));
};
