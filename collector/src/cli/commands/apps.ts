/** `xray apps list|create`: the apps of this collector (admin token). */
import { expectPositionals, stringOption } from '../args.js';
import type { App } from '../api-types.js';
import { toJson } from '../command.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { renderAppList, renderNewKey } from '../format/admin-lists.js';
import { runLimits, runSigning } from './app-security.js';
import { parseScopes } from './keys.js';

export const appsCommand: Command = {
  name: 'apps',
  synopsis: 'apps list|create|update|signing|limits',
  summary: 'List apps, create one with its first API key, describe it, set signed requests and rate limits (admin)',
  help: `Usage: xray apps list
       xray apps create <appId> [--name <display name>] [--scope ingest|read|ingest,read]
                        [--description <text>] [--owner <who>] [--labels key=value,key=value]
       xray apps update <appId> [--name <n>] [--description <text>] [--owner <who>] [--labels key=value,...]
       xray apps signing <appId> [show|require|optional|new-secret|revoke-secret <prefix>]
       xray apps limits <appId> [--rps <n> --burst <n> [--key-rps <n> --key-burst <n>] | --reset]

Apps keep their data apart: every API key belongs to one app and sees only
its executions. These commands need the admin token (--admin-token,
XRAY_ADMIN_TOKEN, or <data dir>/admin.token).

"create" prints the app's first API key once: the collector stores only a
hash of it, so save it then. --scope chooses what that key may do (default:
both ingest and read; see "xray help keys").

"update" changes the given fields and keeps the others; --labels replaces the
whole set (--labels "" removes them all). "list" shows owner, labels and
description.

"signing" shows whether the app requires signed requests (x-xray-signature)
and its signing secrets; "new-secret" prints a new secret once (at most two
are active, for rotation); "require" refuses unsigned requests from then on.

"limits" shows the app's rate limits, sets them (--rps requests per second
and --burst for the app; --key-rps/--key-burst for each of its keys), or
returns to the collector's defaults (--reset). Limits are per collector.

Examples:
  xray apps list
  xray apps create checkout --name "Checkout service" --owner risk-team --labels team=risk,tier=1
  xray apps update checkout --description "Card checkout decisions"
  xray apps signing checkout new-secret
  xray apps signing checkout require
  xray apps limits checkout --rps 50 --burst 100`,
  options: {
    name: { type: 'string' },
    scope: { type: 'string' },
    description: { type: 'string' },
    owner: { type: 'string' },
    labels: { type: 'string' },
    rps: { type: 'string' },
    burst: { type: 'string' },
    'key-rps': { type: 'string' },
    'key-burst': { type: 'string' },
    reset: { type: 'boolean' },
  },
  async run(context, { positionals, values }) {
    const [sub, ...rest] = positionals;
    if (sub === 'list') {
      expectPositionals(rest, [], 'apps');
      const { apps } = await context.client.get<{ apps: App[] }>('/api/v1/admin/apps', { auth: 'admin' });
      context.out(context.json ? toJson({ apps }) : renderAppList(apps, { colors: context.colors, maxWidth: context.terminalWidth, timeZone: context.timeZone }));
      return;
    }
    if (sub === 'create') {
      const [appId] = expectPositionals(rest, ['appId'], 'apps');
      const scopes = parseScopes(stringOption(values, 'scope'), 'apps');
      const created = await context.client.post<{ app: App; apiKey: string }>(
        '/api/v1/admin/apps',
        { appId, ...appFieldOptions(values), ...(scopes === undefined ? {} : { scopes }) },
        { auth: 'admin' },
      );
      context.out(
        context.json ? toJson(created) : renderNewKey(created.apiKey, `Created app "${created.app.appId}".`, context.colors),
      );
      return;
    }
    if (sub === 'update') {
      const [appId] = expectPositionals(rest, ['appId'], 'apps');
      const fields = appFieldOptions(values);
      if (Object.keys(fields).length === 0) throw new UsageError('nothing to change: give --name, --description, --owner or --labels', 'apps');
      const { app } = await context.client.patch<{ app: App }>(`/api/v1/admin/apps/${encodeURIComponent(appId)}`, fields, { auth: 'admin' });
      context.out(context.json ? toJson({ app }) : renderAppList([app], { colors: context.colors, maxWidth: context.terminalWidth }));
      return;
    }
    if (sub === 'signing') return runSigning(context, rest);
    if (sub === 'limits') return runLimits(context, rest, values);
    throw new UsageError(
      sub === undefined
        ? 'missing subcommand: list, create, update, signing or limits'
        : `unknown subcommand ${JSON.stringify(sub)}: expected list, create, update, signing or limits`,
      'apps',
    );
  },
};

/** `--labels team=risk,tier=1` -> { team: 'risk', tier: '1' }; an empty string is no labels. */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of text.split(',').filter((part) => part.trim() !== '')) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--labels expects key=value pairs separated by commas, got ${JSON.stringify(pair)}`, 'apps');
    labels[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return labels;
}

/** The app fields given as flags, for create and update. */
function appFieldOptions(values: Parameters<typeof stringOption>[0]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const name of ['name', 'description', 'owner'] as const) {
    const value = stringOption(values, name);
    if (value !== undefined) fields[name] = value;
  }
  const labels = stringOption(values, 'labels');
  if (labels !== undefined) fields.labels = parseLabels(labels);
  return fields;
}
