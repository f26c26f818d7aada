/** `xray keys list|create|revoke`: the API keys of an app (admin token). */
import { expectPositionals, stringOption } from '../args.js';
import type { ApiKeyInfo } from '../api-types.js';
import { toJson } from '../command.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { renderKeyList, renderNewKey } from '../format/admin-lists.js';

const SCOPES = ['ingest', 'read', 'webhooks'];

/** `--scope read`, `--scope ingest`, `--scope ingest,read,webhooks`…; undefined leaves the collector's default (ingest and read). */
export function parseScopes(value: string | undefined, command = 'keys'): string[] | undefined {
  if (value === undefined) return undefined;
  const scopes = value.split(',').map((scope) => scope.trim());
  const unknown = scopes.find((scope) => !SCOPES.includes(scope));
  if (unknown !== undefined) {
    throw new UsageError(`--scope must be ingest, read, webhooks or a comma-separated list of them, got ${JSON.stringify(value)}`, command);
  }
  return [...new Set(scopes)];
}

const appPath = (appId: string) => `/api/v1/admin/apps/${encodeURIComponent(appId)}/keys`;

export const keysCommand: Command = {
  name: 'keys',
  synopsis: 'keys list|create|revoke',
  summary: "List, issue and revoke an app's API keys (admin)",
  help: `Usage: xray keys list <appId>
       xray keys create <appId> [--name <label>] [--scope ingest|read|webhooks|ingest,read]
       xray keys revoke <appId> <keyPrefix>

Keys are stored hashed; they are listed by their prefix (the first 11
characters, e.g. xr_AbCd1234). "create" prints the new key once. "revoke"
disables every active key of the app that starts with the prefix, at once.
These commands need the admin token.

--scope chooses what the new key may do: "ingest" sends spans (give it to
services), "read" uses the query API (give it to Grafana and people),
"webhooks" manages the app's alert webhooks and is never granted unless
asked for. The default is ingest,read. "list" shows each key's scopes.

Examples:
  xray keys list checkout
  xray keys create checkout --name ci --scope ingest
  xray keys create checkout --name grafana --scope read
  xray keys create checkout --name oncall --scope webhooks
  xray keys revoke checkout xr_AbCd1234`,
  options: {
    name: { type: 'string' },
    scope: { type: 'string' },
  },
  async run(context, { positionals, values }) {
    const [sub, ...rest] = positionals;
    if (sub === 'list') {
      const [appId] = expectPositionals(rest, ['appId'], 'keys');
      const { keys } = await context.client.get<{ keys: ApiKeyInfo[] }>(appPath(appId), { auth: 'admin' });
      context.out(context.json ? toJson({ keys }) : renderKeyList(keys, { colors: context.colors, maxWidth: context.terminalWidth, timeZone: context.timeZone }));
      return;
    }
    if (sub === 'create') {
      const [appId] = expectPositionals(rest, ['appId'], 'keys');
      const name = stringOption(values, 'name');
      const scopes = parseScopes(stringOption(values, 'scope'));
      const created = await context.client.post<{ apiKey: string; keyPrefix: string; scopes: string[] }>(
        appPath(appId),
        { ...(name === undefined ? {} : { name }), ...(scopes === undefined ? {} : { scopes }) },
        { auth: 'admin' },
      );
      const headline = `Issued key ${created.keyPrefix}… (${created.scopes.join(', ')}) for app "${appId}".`;
      context.out(context.json ? toJson(created) : renderNewKey(created.apiKey, headline, context.colors));
      return;
    }
    if (sub === 'revoke') {
      const [appId, keyPrefix] = expectPositionals(rest, ['appId', 'keyPrefix'], 'keys');
      const result = await context.client.delete<{ revoked: number }>(`${appPath(appId)}/${encodeURIComponent(keyPrefix)}`, { auth: 'admin' });
      const plural = result.revoked === 1 ? 'key' : 'keys';
      context.out(context.json ? toJson(result) : `Revoked ${result.revoked} ${plural} starting with ${keyPrefix} in app "${appId}".`);
      return;
    }
    throw new UsageError(
      sub === undefined ? 'missing subcommand: list, create or revoke' : `unknown subcommand ${JSON.stringify(sub)}: expected list, create or revoke`,
      'keys',
    );
  },
};
