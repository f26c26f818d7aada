/**
 * plugin.json is checked against Grafana's published plugin.json schema
 * (vendored in test/schema, see its README), and against what the plugin's
 * code relies on: its pages and the proxy route that carries the API key.
 */
import fs from 'fs';
import path from 'path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import pluginJson from './plugin.json';
import { COLLECTOR_PROXY_PREFIX, PLUGIN_ID } from './constants';

const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '../test/schema/plugin.schema.json'), 'utf8'));

function validator() {
  // strict: false because the published schema uses `additionalItems` beside a non-array `items`;
  // unicodeRegExp: false because its patterns escape '-' (`\\-`), which the `u` flag rejects.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

describe('plugin.json', () => {
  it('is valid against Grafana’s plugin.json schema', () => {
    const validate = validator();
    const valid = validate(pluginJson);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('would be rejected by the schema if it were wrong (the check is live)', () => {
    const validate = validator();
    expect(validate({ ...pluginJson, type: 'widget' })).toBe(false);
    expect(validate({ ...pluginJson, routes: [{ path: 'x', unknownKey: 1 }] })).toBe(false);
  });

  it('declares the Overview, Executions and Configuration pages', () => {
    const pages = pluginJson.includes.filter((include) => include.type === 'page');
    expect(pages.map((page) => [page.name, page.path])).toEqual([
      ['Overview', '/a/%PLUGIN_ID%/overview'],
      ['Executions', '/a/%PLUGIN_ID%/executions'],
      ['Configuration', '/plugins/%PLUGIN_ID%'],
    ]);
    expect(pages.filter((page) => page.defaultNav)).toHaveLength(1);
  });

  it('proxies only GETs, for Viewers, to the same path under jsonData.collectorUrl with the key', () => {
    // Which requests these routes let through is tested in test/unit/proxy-routes.test.ts.
    expect(pluginJson.id).toBe(PLUGIN_ID);
    expect(pluginJson.routes.length).toBeGreaterThan(0);
    for (const route of pluginJson.routes) {
      const apiPath = route.path.slice(`${COLLECTOR_PROXY_PREFIX}/`.length).replace(/\/\*$/, '');
      expect(route.path.startsWith(`${COLLECTOR_PROXY_PREFIX}/api/v1/`)).toBe(true);
      expect(route.method).toBe('GET');
      expect(route.reqRole).toBe('Viewer');
      expect(route.url).toBe(`{{ .JsonData.collectorUrl }}/${apiPath}`);
      expect(route.headers).toEqual([{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.apiKey }}' }]);
    }
  });

  it('stays valid after the build fills in version and date (dist/plugin.json)', () => {
    const built = path.join(__dirname, '../dist/plugin.json');
    if (!fs.existsSync(built)) {
      return; // not built yet; the browser tests build it
    }
    const validate = validator();
    const json = JSON.parse(fs.readFileSync(built, 'utf8'));
    // The scaffold's BuildModeWebpackPlugin adds `buildMode`, a key newer than the vendored schema.
    expect(json.buildMode).toBe('production');
    delete json.buildMode;
    validate(json);
    expect(validate.errors ?? []).toEqual([]);
    expect(json.info.version).not.toContain('%');
  });
});
