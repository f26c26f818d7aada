/**
 * An app of its own for a test file, created through the collector's admin
 * API: what such a file sends (live tail, business keys, compare) stays out
 * of the seeded app whose contents other files assert exactly.
 */
import { randomBytes } from 'crypto';
import type { RunState } from './browser';
import type { PluginSettings } from './host-server';

export interface TestApp {
  appId: string;
  /** The app's key (ingest and read), what the plugin's settings hold in the test. */
  apiKey: string;
  settings: PluginSettings;
}

export async function createTestApp(state: RunState, prefix: string): Promise<TestApp> {
  const appId = `${prefix}-${randomBytes(4).toString('hex')}`;
  const response = await fetch(`${state.collectorUrl}/api/v1/admin/apps`, {
    method: 'POST',
    headers: { authorization: `Bearer ${state.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ appId }),
  });
  const body = await response.json();
  if (response.status !== 201) {
    throw new Error(`Creating app ${appId} failed: ${response.status} ${JSON.stringify(body)}`);
  }
  return {
    appId,
    apiKey: body.apiKey,
    settings: {
      enabled: true,
      pinned: true,
      jsonData: { collectorUrl: state.collectorUrl },
      secureJsonData: { apiKey: body.apiKey },
    },
  };
}
