/** `xray cors get|set`: the browser origins an app accepts spans from (admin token). */
import { expectPositionals } from '../args.js';
import { toJson } from '../command.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';

interface CorsSettings {
  appId: string;
  allowedOrigins: string[];
}

const corsPath = (appId: string) => `/api/v1/admin/apps/${encodeURIComponent(appId)}/cors`;

function render(settings: CorsSettings): string {
  return settings.allowedOrigins.length === 0
    ? `App "${settings.appId}" accepts spans from no browser origin.`
    : `App "${settings.appId}" accepts spans from these browser origins:\n${settings.allowedOrigins.map((origin) => `  ${origin}`).join('\n')}`;
}

export const corsCommand: Command = {
  name: 'cors',
  synopsis: 'cors get|set',
  summary: 'Show or replace the browser origins an app accepts spans from (admin)',
  help: `Usage: xray cors get <appId>
       xray cors set <appId> [<origin> ...]

Pages send spans with the browser SDK only from origins their app allows;
none are allowed by default. "set" replaces the whole list (no origins:
allow none). An origin is scheme, host and port as the browser sends it,
with no path and no trailing slash. These commands need the admin token.

Examples:
  xray cors get shop
  xray cors set shop https://shop.example.com http://localhost:5173
  xray cors set shop`,
  options: {},
  async run(context, { positionals }) {
    const [sub, ...rest] = positionals;
    if (sub === 'get') {
      const [appId] = expectPositionals(rest, ['appId'], 'cors');
      const settings = await context.client.get<CorsSettings>(corsPath(appId), { auth: 'admin' });
      context.out(context.json ? toJson(settings) : render(settings));
      return;
    }
    if (sub === 'set') {
      const [appId, ...origins] = rest;
      if (appId === undefined) throw new UsageError('missing <appId>', 'cors');
      const settings = await context.client.put<CorsSettings>(corsPath(appId), { allowedOrigins: origins }, { auth: 'admin' });
      context.out(context.json ? toJson(settings) : render(settings));
      return;
    }
    throw new UsageError(sub === undefined ? 'missing subcommand: get or set' : `unknown subcommand ${JSON.stringify(sub)}: expected get or set`, 'cors');
  },
};
