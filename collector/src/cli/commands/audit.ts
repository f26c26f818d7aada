/** `xray audit`: read the audit log (admin): every query-API read and admin action. */
import { PAGED_WINDOW_OPTIONS, expectPositionals, pagedWindowQuery, stringOption } from '../args.js';
import type { AuditResponse } from '../api-types.js';
import { toJson } from '../command.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { renderAuditList } from '../format/audit-list.js';

export const auditCommand: Command = {
  name: 'audit',
  synopsis: 'audit [filters]',
  summary: 'Read the audit log: who read or changed what, when (admin)',
  help: `Usage: xray audit [filters]

Every query-API read and every admin action, newest first: time, actor (the
key's prefix, admin, or anonymous), app, request, status, rows returned and
duration. Parameters are in --json output (secrets are never recorded).
Needs the admin token.

Filters:
  --app <appId>           only this app
  --route <pattern>       only this route, e.g. /api/v1/executions
  --status <code>         only this HTTP status, e.g. 401
  --actor <actor>         only this key prefix, admin or anonymous
  --since <duration>      the last 30m, 1h, 2d, 1w
  --from <time>           from this time: ISO 8601 or unix milliseconds
  --to <time>             before this time
  --limit <n>             rows per page, 1 to 500 (default 50)
  --cursor <cursor>       the next page, as printed under the previous one

Examples:
  xray audit --since 1h
  xray audit --status 401 --since 1d
  xray audit --app checkout --route /api/v1/executions --json`,
  options: {
    app: { type: 'string' },
    route: { type: 'string' },
    status: { type: 'string' },
    actor: { type: 'string' },
    ...PAGED_WINDOW_OPTIONS,
  },
  async run(context, { positionals, values }) {
    expectPositionals(positionals, [], 'audit');
    const status = stringOption(values, 'status');
    if (status !== undefined && !/^[1-5]\d\d$/.test(status)) {
      throw new UsageError(`--status must be an HTTP status such as 200 or 401, got ${JSON.stringify(status)}`, 'audit');
    }
    const { from, to, ...page } = pagedWindowQuery(values, 'audit', context.nowMillis());
    const reply = await context.client.get<AuditResponse>('/api/v1/admin/audit', {
      auth: 'admin',
      query: {
        app: stringOption(values, 'app'),
        route: stringOption(values, 'route'),
        status,
        actor: stringOption(values, 'actor'),
        since: from,
        until: to,
        ...page,
      },
    });
    context.out(context.json ? toJson(reply) : renderAuditList(reply, { colors: context.colors, maxWidth: context.terminalWidth, timeZone: context.timeZone }));
  },
};
