// Validates the cluster stack (docker-compose.cluster.yml) without a Docker
// engine, ClickHouse server or Keeper, none of which can run here:
//
//   - the file against the Compose Specification schema and through
//     `docker-compose config`;
//   - every path it mounts, every named volume;
//   - the ClickHouse configuration against the compose file: the cluster in
//     remote_servers is the one the collectors name (CLICKHOUSE_CLUSTER), its
//     replicas are exactly the ClickHouse services, each node's shard and
//     replica macros match its place in remote_servers, every node lists the
//     Keeper ensemble, and the Keeper raft members are the keeper services
//     with the ids their environment gives them;
//   - the collectors' settings against collector/src/config.ts, and the
//     migrations rendered for this cluster use only macros the nodes define;
//   - the load balancer's upstreams are the collector services, and the
//     network aliases give Grafana's unchanged provisioning the hosts it reads.
//
// Run: node --test deploy/test/cluster.test.mjs   (after `npm ci --prefix deploy`)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
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

const COMPOSE_FILE = join(ROOT, 'docker-compose.cluster.yml');
const KEEPER_CONFIG = '/etc/clickhouse-keeper/keeper_config.xml';
const CLUSTER_CONFIG = '/etc/clickhouse-server/config.d/cluster.xml';
const PROVISIONING = join(ROOT, 'deploy/grafana/provisioning');

// Lists (shards, replicas, keeper nodes, raft servers) stay lists even with one element.
const LISTS = [/\.remote_servers\.\w+\.shard$/, /\.shard\.replica$/, /^clickhouse\.zookeeper\.node$/, /\.raft_configuration\.server$/];
const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (_name, jpath) => LISTS.some((rx) => rx.test(jpath)) });
const parseXml = (path) => xml.parse(read(path)).clickhouse;

const compose = interpolate(loadYaml(COMPOSE_FILE), {});
const services = compose.services;
const byImage = (prefix) => Object.entries(services).filter(([, s]) => s.image?.startsWith(prefix)).map(([name]) => name);
const keepers = byImage('clickhouse/clickhouse-keeper:');
const nodes = byImage('clickhouse/clickhouse-server:');
const collectors = Object.entries(services).filter(([, s]) => s.build?.dockerfile === 'collector/Dockerfile').map(([name]) => name);
const balancer = byImage('nginx:')[0];

/** The host file a service mounts at `target`, parsed. */
function mountedXml(serviceName, target) {
  const mount = mounts(services[serviceName]).find((m) => m.target === target);
  assert.ok(mount, `${serviceName} must mount ${target}`);
  assert.ok(mount.readOnly, `${serviceName} mounts ${target} read-only`);
  return parseXml(resolve(ROOT, mount.source));
}

/** An element's value: its text, or the named environment variable of the service for from_env. */
function valueOf(element, env) {
  if (element && typeof element === 'object' && element['@from_env']) {
    const name = element['@from_env'];
    assert.ok(Object.hasOwn(env, name), `from_env="${name}" is not set on the service`);
    return env[name];
  }
  return element === undefined ? undefined : String(element);
}

test('the cluster stack has 3 keepers, 2x2 ClickHouse nodes, 2 collectors, a load balancer and Grafana', () => {
  assert.deepEqual(keepers, ['keeper-1', 'keeper-2', 'keeper-3']);
  assert.deepEqual(nodes, ['ch-s1-r1', 'ch-s1-r2', 'ch-s2-r1', 'ch-s2-r2']);
  assert.deepEqual(collectors, ['collector-1', 'collector-2']);
  assert.equal(balancer, 'load-balancer');
  assert.ok(services.grafana);
  for (const name of Object.keys(services)) {
    if (services[name].hostname) assert.equal(services[name].hostname, name, `${name}'s hostname is its service name (remote_servers and raft use it)`);
  }
});

test('docker-compose.cluster.yml is valid against the Compose Specification JSON schema', () => {
  const validate = compileComposeSchema();
  assert.ok(validate(compose), `schema errors:\n${JSON.stringify(validate.errors, null, 2)}`);
  const broken = structuredClone(compose);
  broken.services['keeper-1'].restart_policy = 'always';
  assert.equal(validate(broken), false, 'a broken copy must fail the schema');
});

test('`docker-compose config` accepts and resolves the file, YAML anchors included', (t) => {
  const probe = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return unavailable(t, 'docker-compose is not installed (apt-get install docker-compose)');
  const env = { PATH: process.env.PATH, HOME: process.env.HOME ?? tmpdir() };
  const result = spawnSync('docker-compose', ['--project-directory', ROOT, '-f', COMPOSE_FILE, 'config'], { encoding: 'utf8', env, cwd: ROOT });
  assert.equal(result.status, 0, `docker-compose config failed:\n${result.stderr}${result.stdout}`);
  const resolved = parseYaml(result.stdout);
  assert.deepEqual(Object.keys(resolved.services).sort(), Object.keys(services).sort());
  for (const name of Object.keys(services)) {
    assert.deepEqual(envMap(resolved.services[name]), envMap(services[name]), `environment of ${name} resolves the same (merge keys)`);
  }
});

test('every mounted file exists and every service keeps its data in a declared named volume', () => {
  const declared = new Set(Object.keys(compose.volumes ?? {}));
  const dataPath = (name) => {
    if (keepers.includes(name)) return '/var/lib/clickhouse-keeper';
    if (nodes.includes(name)) return '/var/lib/clickhouse';
    if (collectors.includes(name)) return envMap(services[name]).XRAY_DATA_DIR;
    if (name === 'grafana') return '/var/lib/grafana';
    return undefined;
  };
  const used = new Set();
  for (const [name, service] of Object.entries(services)) {
    for (const mount of mounts(service)) {
      if (mount.type === 'volume') {
        assert.ok(declared.has(mount.source), `${name}: volume ${mount.source} is not declared`);
        assert.ok(!used.has(mount.source), `volume ${mount.source} is shared by two services`);
        used.add(mount.source);
        continue;
      }
      const path = resolve(ROOT, mount.source);
      if (rel(path) !== 'grafana-plugin/dist') assert.ok(existsSync(path), `${name} mounts ${mount.source}, which does not exist`);
      assert.ok(mount.readOnly, `${name} mounts ${mount.source} read-only`);
    }
    const path = dataPath(name);
    if (path) assert.ok(mounts(service).some((m) => m.type === 'volume' && m.target === path), `${name} keeps ${path} in a named volume`);
  }
});

test('the Keeper ensemble: raft members are the keeper services with the ids their environment gives', () => {
  const servers = [];
  for (const name of keepers) {
    const env = envMap(services[name]);
    const config = mountedXml(name, KEEPER_CONFIG).keeper_server;
    const id = valueOf(config.server_id, env);
    const members = config.raft_configuration.server.map((s) => ({ id: String(s.id), host: s.hostname, port: Number(s.port) }));
    servers.push({ name, id, members, tcpPort: Number(config.tcp_port) });
  }
  const members = servers[0].members;
  assert.equal(members.length, 3, 'three voters tolerate one failure');
  for (const server of servers) {
    assert.deepEqual(server.members, members, 'every keeper has the same raft configuration');
    const self = members.find((m) => m.host === server.name);
    assert.ok(self, `${server.name} is a raft member`);
    assert.equal(server.id, self.id, `${server.name}'s server_id is its raft id`);
  }
  assert.deepEqual(members.map((m) => m.host).sort(), [...keepers].sort());
  assert.equal(new Set(members.map((m) => m.id)).size, members.length, 'raft ids are unique');
  assert.equal(new Set(servers.map((s) => s.tcpPort)).size, 1);
});

test('remote_servers, macros and the Keeper list agree with the compose file on every ClickHouse node', () => {
  const clusterNames = new Set(collectors.map((name) => envMap(services[name]).CLICKHOUSE_CLUSTER));
  assert.equal(clusterNames.size, 1, 'every collector names the same cluster');
  const [clusterName] = clusterNames;
  const keeperPort = Number(mountedXml(keepers[0], KEEPER_CONFIG).keeper_server.tcp_port);
  const secrets = new Set();
  const replicaNames = new Set();
  for (const name of nodes) {
    const env = envMap(services[name]);
    const config = mountedXml(name, CLUSTER_CONFIG);
    const cluster = config.remote_servers[clusterName];
    assert.ok(cluster, `${name}: remote_servers defines the cluster ${clusterName} the collectors use`);
    const shards = cluster.shard.map((shard) => {
      assert.equal(shard.internal_replication, true, 'internal_replication: replication copies a Distributed insert, not the Distributed table');
      return shard.replica.map((replica) => ({ host: replica.host, port: Number(replica.port) }));
    });
    assert.deepEqual(shards.map((s) => s.length), [2, 2], '2 shards x 2 replicas');
    assert.deepEqual(shards.flat().map((r) => r.host).sort(), [...nodes].sort(), 'the replicas are exactly the ClickHouse services');
    for (const replica of shards.flat()) assert.equal(replica.port, 9000, 'native protocol port');

    const shardIndex = shards.findIndex((replicas) => replicas.some((r) => r.host === name));
    const shard = valueOf(config.macros.shard, env);
    const replica = valueOf(config.macros.replica, env);
    assert.equal(Number(shard), shardIndex + 1, `${name}: its shard macro is its shard in remote_servers`);
    assert.equal(replica, name, `${name}: its replica macro names it`);
    assert.ok(!replicaNames.has(replica), 'replica macros are unique across the cluster (global tables replicate everywhere)');
    replicaNames.add(replica);
    assert.equal(valueOf(config.macros.cluster, env), clusterName);

    secrets.add(valueOf(cluster.secret, env));
    const keeperNodes = config.zookeeper.node.map((n) => ({ host: n.host, port: Number(n.port) }));
    assert.deepEqual(keeperNodes.map((n) => n.host).sort(), [...keepers].sort(), `${name} lists every keeper`);
    for (const node of keeperNodes) assert.equal(node.port, keeperPort, 'the keepers\' client port');

    assert.ok(mounts(services[name]).some((m) => m.target === '/etc/clickhouse-server/users.d/xray-grafana-reader.xml'),
      `${name} has the read-only grafana user (distributed reads run as the initial user on every shard)`);
    for (const keeper of keepers) assert.equal(services[name].depends_on[keeper]?.condition, 'service_healthy');
  }
  assert.equal(secrets.size, 1, 'one inter-server secret for the cluster');
  assert.ok([...secrets][0], 'the inter-server secret is set');
});

test('the collectors: settings of collector/src/config.ts, one ClickHouse node each, the same keys', async (t) => {
  const { keys, defaultPort } = envSchemaKeysFromSource();
  const envs = collectors.map((name) => envMap(services[name]));
  for (const [i, env] of envs.entries()) {
    for (const key of Object.keys(env)) assert.ok(keys.includes(key), `${collectors[i]}: ${key} is not a collector setting`);
    const url = new URL(env.CLICKHOUSE_URL);
    assert.ok(nodes.includes(url.hostname), `${collectors[i]}: CLICKHOUSE_URL names a ClickHouse service`);
    assert.equal(url.port, '8123');
    const nodeEnv = envMap(services[url.hostname]);
    assert.equal(env.CLICKHOUSE_USER, nodeEnv.CLICKHOUSE_USER);
    assert.equal(env.CLICKHOUSE_PASSWORD, nodeEnv.CLICKHOUSE_PASSWORD);
    assert.equal(env.CLICKHOUSE_DATABASE, nodeEnv.CLICKHOUSE_DB);
    assert.equal(Number(env.XRAY_PORT ?? defaultPort), defaultPort);
    assert.deepEqual(ports(services[collectors[i]]), [], 'collectors are reached through the load balancer only');
  }
  // Stateless collectors: the same keys, and the same master key, or signing
  // secrets sealed by one collector could not be opened by another.
  for (const key of ['XRAY_API_KEY', 'XRAY_READ_API_KEY', 'XRAY_ADMIN_TOKEN', 'XRAY_SECRET_KEY', 'CLICKHOUSE_CLUSTER']) {
    assert.ok(envs.every((env) => env[key]), `every collector sets ${key}`);
    assert.equal(new Set(envs.map((env) => env[key])).size, 1, `every collector has the same ${key}`);
  }
  assert.equal(new Set(envs.map((env) => new URL(env.CLICKHOUSE_URL).hostname)).size, collectors.length, 'the collectors spread over the nodes');
  assert.equal(services['collector-2'].depends_on['collector-1'].condition, 'service_healthy', 'one collector applies the migrations first');

  const built = join(ROOT, 'collector/dist/config.js');
  if (!existsSync(built)) return unavailable(t, 'collector/dist is not built (npm run build)');
  const { loadConfig } = await import(pathToFileURL(built).href);
  for (const env of envs) assert.equal(loadConfig(env).clickhouse.cluster, env.CLICKHOUSE_CLUSTER);

  // The migrations rendered for this cluster use only macros every node defines ({database} is built in).
  const { loadMigrations, clusterLayoutOf, statementsFor } = await import(pathToFileURL(join(ROOT, 'collector/dist/store/migrations.js')).href);
  const migrations = loadMigrations(join(ROOT, 'clickhouse/migrations'));
  const layout = clusterLayoutOf(migrations);
  const rendered = migrations.flatMap((m) => statementsFor(m.statements, { cluster: envs[0].CLICKHOUSE_CLUSTER }, layout));
  const defined = new Set(['database', ...Object.keys(mountedXml(nodes[0], CLUSTER_CONFIG).macros)]);
  const used = new Set(rendered.flatMap((sql) => [...sql.matchAll(/\{(\w+)\}/g)].map((m) => m[1])));
  assert.ok(used.has('shard') && used.has('replica'));
  for (const macro of used) assert.ok(defined.has(macro), `the migrations use {${macro}}, which the nodes do not define`);
});

test('the load balancer sends to every collector, and the aliases give Grafana\'s provisioning its hosts', () => {
  const lb = services[balancer];
  const mount = mounts(lb).find((m) => m.target === '/etc/nginx/nginx.conf');
  assert.ok(mount, 'nginx.conf is mounted');
  const conf = read(resolve(ROOT, mount.source));
  const upstream = (name) => {
    const block = new RegExp(`upstream ${name} \\{([^}]*)\\}`).exec(conf);
    assert.ok(block, `nginx.conf defines upstream ${name}`);
    return [...block[1].matchAll(/^\s*server\s+([\w.-]+):(\d+)\b/gm)].map((m) => `${m[1]}:${m[2]}`).sort();
  };
  const servers = [...conf.matchAll(/server \{[\s\S]*?listen (\d+);[\s\S]*?(proxy_pass http|grpc_pass grpc):\/\/(\w+);/g)]
    .map((m) => ({ listen: Number(m[1]), kind: m[2].startsWith('grpc') ? 'grpc' : 'http', upstream: m[3] }));
  const http = servers.find((s) => s.kind === 'http');
  const grpc = servers.find((s) => s.kind === 'grpc');
  assert.ok(http && grpc, 'nginx balances OTLP/HTTP and OTLP/gRPC');
  assert.deepEqual(upstream(http.upstream), collectors.map((name) => `${name}:${envMap(services[name]).XRAY_PORT}`).sort());
  assert.deepEqual(upstream(grpc.upstream), collectors.map((name) => `${name}:${envMap(services[name]).XRAY_GRPC_PORT}`).sort());
  assert.match(conf, /http2 on;/, 'gRPC needs HTTP/2 on its listener');
  const listen = http.listen;
  assert.deepEqual(ports(lb).map((p) => [p.published, p.target]), [[String(listen), listen], [String(grpc.listen), grpc.listen]]);
  assert.ok(ports(lb).every((p) => p.hostIp === '127.0.0.1'), 'published on loopback by default');
  assert.match(conf, /proxy_buffering off;/, 'streams (live tail, export) are not buffered');
  assert.match(conf, /proxy_next_upstream error timeout;/, 'an OTLP POST is retried elsewhere only when nothing reached a collector');
  for (const collector of collectors) assert.equal(lb.depends_on[collector].condition, 'service_healthy');

  const aliases = (name) => services[name].networks?.default?.aliases ?? [];
  const collectorUrl = new URL(loadYaml(join(PROVISIONING, 'plugins/xray.yaml')).apps[0].jsonData.collectorUrl);
  assert.ok(aliases(balancer).includes(collectorUrl.hostname), `the balancer answers as ${collectorUrl.hostname}, the app's provisioned collector URL`);
  assert.equal(Number(collectorUrl.port), listen);
  const datasources = loadYaml(join(PROVISIONING, 'datasources/clickhouse.yaml')).datasources;
  const chHost = datasources.find((d) => d.type === 'grafana-clickhouse-datasource').jsonData.host;
  const holders = Object.keys(services).filter((name) => name === chHost || aliases(name).includes(chHost));
  assert.equal(holders.length, 1, `exactly one service answers as ${chHost}`);
  assert.ok(nodes.includes(holders[0]), `${chHost} is a ClickHouse node`);
  assert.equal(services.grafana.depends_on[balancer].condition, 'service_healthy');
});
