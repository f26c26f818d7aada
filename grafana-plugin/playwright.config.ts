/**
 * Grafana's own end-to-end convention (@grafana/plugin-e2e on Playwright),
 * against the compose stack (the repository's docker-compose.yml: a real
 * Grafana with this app provisioned, the collector and ClickHouse). Needs
 * Docker, so it cannot run in this repository's CI; there the specs are only
 * type-checked (`npm run validate`). Run it with `npm run e2e` (README).
 */
import { dirname } from 'path';
import { defineConfig, devices } from '@playwright/test';
import type { PluginOptions } from '@grafana/plugin-e2e';

const pluginE2eAuth = `${dirname(require.resolve('@grafana/plugin-e2e'))}/auth`;

export default defineConfig<PluginOptions>({
  testDir: './e2e',
  fullyParallel: false,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: process.env.GRAFANA_URL ?? 'http://127.0.0.1:3000',
    trace: 'retain-on-failure',
    // Debian's Chromium where there is one; otherwise Playwright's own (npx playwright install chromium).
    launchOptions: process.env.CHROMIUM_PATH ? { executablePath: process.env.CHROMIUM_PATH } : {},
  },
  projects: [
    // Signs in as the compose stack's admin (GRAFANA_ADMIN_USER / GRAFANA_ADMIN_PASSWORD) once.
    { name: 'auth', testDir: pluginE2eAuth, testMatch: [/.*\.js/] },
    {
      name: 'run-tests',
      use: { ...devices['Desktop Chrome'], storageState: 'playwright/.auth/admin.json' },
      dependencies: ['auth'],
    },
  ],
});
