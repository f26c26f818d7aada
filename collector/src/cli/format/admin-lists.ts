/** `xray apps list` and `xray keys list` as tables. */
import type { ApiKeyInfo, App } from '../api-types.js';
import type { Colors } from './colors.js';
import { UTC, formatTimestamp } from './time-zone.js';
import { renderTable } from './table.js';

export interface AdminListOptions {
  colors: Colors;
  maxWidth?: number;
  /** The zone times are shown in (named in the CREATED header); UTC by default. */
  timeZone?: string;
}

const createdHeader = (options: AdminListOptions) => `CREATED (${options.timeZone ?? UTC})`;
/** `team=risk,tier=1`, keys in order; what `--labels` takes back. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  return Object.entries(labels ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

export function renderAppList(apps: App[], options: AdminListOptions): string {
  if (apps.length === 0) return options.colors.dim('No apps yet: `xray apps create <appId>` makes one.');
  return renderTable(
    [
      { header: 'APP', value: (a: App) => a.appId },
      { header: 'NAME', value: (a: App) => a.name, shrink: true },
      { header: 'OWNER', value: (a: App) => a.owner || '-', shrink: true },
      { header: 'LABELS', value: (a: App) => formatLabels(a.labels) || '-', shrink: true },
      { header: 'DESCRIPTION', value: (a: App) => a.description || '-', shrink: true },
      { header: createdHeader(options), value: (a: App) => formatTimestamp(a.createdAt, { zone: options.timeZone }) },
    ],
    apps,
    options,
  );
}

export function renderKeyList(keys: ApiKeyInfo[], options: AdminListOptions): string {
  const { colors } = options;
  if (keys.length === 0) return colors.dim('No keys: `xray keys create <appId>` issues one.');
  return renderTable(
    [
      { header: 'PREFIX', value: (k: ApiKeyInfo) => k.keyPrefix },
      { header: 'NAME', value: (k: ApiKeyInfo) => k.name || '-', shrink: true },
      { header: 'SCOPES', value: (k: ApiKeyInfo) => k.scopes.join(',') },
      { header: createdHeader(options), value: (k: ApiKeyInfo) => formatTimestamp(k.createdAt, { zone: options.timeZone }) },
      {
        header: 'STATUS',
        value: (k: ApiKeyInfo) => (k.revoked ? 'revoked' : 'active'),
        style: (text, k) => (k.revoked ? colors.dim(text) : colors.green(text)),
      },
    ],
    keys,
    options,
  );
}

/**
 * What `apps create` and `keys create` print: the key, once, and why it
 * cannot be shown again.
 */
export function renderNewKey(apiKey: string, headline: string, colors: Colors): string {
  return [
    headline,
    '',
    `  API key: ${colors.bold(apiKey)}`,
    '',
    colors.yellow('  Save this key now: the collector stores only its hash and cannot show it again.'),
    colors.dim(`  export XRAY_API_KEY=${apiKey}`),
  ].join('\n');
}
