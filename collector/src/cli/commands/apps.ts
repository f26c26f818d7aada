/** `xray apps list|create`: the apps of this collector (admin token). */
import { expectPositionals, stringOption } from '../args.js';
import type { App } from '../api-types.js';
import { toJson } from '../command.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { renderAppList, renderNewKey } from '../format/admin-lists.js';

export const appsCommand: Command = {
  name: 'apps',
  synopsis: 'apps list|create',
  summary: 'List apps, or create one with its first API key (admin)',
  help: `Usage: xray apps list
       xray apps create <appId> [--name <display name>]

Apps keep their data apart: every API key belongs to one app and sees only
its executions. These commands need the admin token (--admin-token,
XRAY_ADMIN_TOKEN, or <data dir>/admin.token).

"create" prints the app's first API key once: the collector stores only a
hash of it, so save it then.

Examples:
  xray apps list
  xray apps create checkout --name "Checkout service"`,
  options: {
    name: { type: 'string' },
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
      const name = stringOption(values, 'name');
      const created = await context.client.post<{ app: App; apiKey: string }>(
        '/api/v1/admin/apps',
        name === undefined ? { appId } : { appId, name },
        { auth: 'admin' },
      );
      context.out(
        context.json ? toJson(created) : renderNewKey(created.apiKey, `Created app "${created.app.appId}".`, context.colors),
      );
      return;
    }
    throw new UsageError(sub === undefined ? 'missing subcommand: list or create' : `unknown subcommand ${JSON.stringify(sub)}: expected list or create`, 'apps');
  },
};
