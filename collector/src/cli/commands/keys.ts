/** `xray keys list|create|revoke`: the API keys of an app (admin token). */
import { expectPositionals, stringOption } from '../args.js';
import type { ApiKeyInfo } from '../api-types.js';
import { toJson } from '../command.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { renderKeyList, renderNewKey } from '../format/admin-lists.js';

const appPath = (appId: string) => `/api/v1/admin/apps/${encodeURIComponent(appId)}/keys`;

export const keysCommand: Command = {
  name: 'keys',
  synopsis: 'keys list|create|revoke',
  summary: "List, issue and revoke an app's API keys (admin)",
  help: `Usage: xray keys list <appId>
       xray keys create <appId> [--name <label>]
       xray keys revoke <appId> <keyPrefix>

Keys are stored hashed; they are listed by their prefix (the first 11
characters, e.g. xr_AbCd1234). "create" prints the new key once. "revoke"
disables every active key of the app that starts with the prefix, at once.
These commands need the admin token.

Examples:
  xray keys list checkout
  xray keys create checkout --name ci
  xray keys revoke checkout xr_AbCd1234`,
  options: {
    name: { type: 'string' },
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
      const created = await context.client.post<{ apiKey: string; keyPrefix: string }>(appPath(appId), name === undefined ? {} : { name }, {
        auth: 'admin',
      });
      context.out(
        context.json ? toJson(created) : renderNewKey(created.apiKey, `Issued key ${created.keyPrefix}… for app "${appId}".`, context.colors),
      );
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
