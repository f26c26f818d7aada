/**
 * Once per browser-test run: build the plugin (dist/, what Grafana loads)
 * and the test host page, start a live collector with a fresh data folder,
 * seed it through OTLP, and leave what the tests need in a state file.
 */
import { spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import fs from 'fs';
import path from 'path';
import { buildHost } from './build-host';
import { startCollector } from './collector';
import { CHROMIUM_PATH, STATE_FILE } from './paths';
import { seedCollector } from './seed';

const ROOT = path.resolve(__dirname, '../../..');

export default async function globalSetup(): Promise<void> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}: install Debian's (apt-get install -y chromium) or set CHROMIUM_PATH.`
    );
  }
  if (process.env.XRAY_PLUGIN_SKIP_BUILD !== '1') {
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, encoding: 'utf8', env: process.env });
    if (build.status !== 0) {
      throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
    }
  }
  await buildHost();

  const apiKey = `xr_plugintest_${randomBytes(12).toString('hex')}`;
  const collector = await startCollector(apiKey);
  (globalThis as Record<string, unknown>).__xrayCollector = collector;
  const manifest = await seedCollector(collector.url, apiKey);
  fs.writeFileSync(
    STATE_FILE,
    JSON.stringify({ collectorUrl: collector.url, apiKey, adminToken: collector.adminToken, manifest })
  );
}
