#!/usr/bin/env node
/**
 * @grafana/levitate's compatibility check of the plugin's code against the
 * oldest Grafana plugin.json claims (`dependencies.grafanaDependency`, e.g.
 * ">=13.1.1"): the @grafana/* packages the plugin imports at that version,
 * fetched from npm by levitate, must still export everything the plugin
 * uses. The packages installed here are the newest the plugin is built
 * against. Fails (exit 1) on any incompatibility.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const semver = require('semver');
const plugin = JSON.parse(readFileSync(new URL('../src/plugin.json', import.meta.url), 'utf8'));
const claimed = plugin.dependencies.grafanaDependency;
const oldest = semver.minVersion(claimed)?.version;
if (!oldest) {
  console.error(`plugin.json's grafanaDependency ${JSON.stringify(claimed)} names no minimum version`);
  process.exit(2);
}
const targets = ['@grafana/data', '@grafana/ui', '@grafana/runtime'].map((name) => `${name}@${oldest}`).join(',');
console.log(`levitate: src/module.tsx against ${targets} (plugin.json claims ${claimed})`);
const run = spawnSync('npx', ['--no-install', 'levitate', 'is-compatible', '--path', 'src/module.tsx', '--target', targets], {
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
