/**
 * `xray apps signing …` and `xray apps limits …`: an app's signed-request
 * settings and rate limits, through the admin API (admin token).
 */
import { expectPositionals, stringOption } from '../args.js';
import type { OptionValues } from '../args.js';
import { toJson } from '../command.js';
import type { CommandContext } from '../command.js';
import { UsageError } from '../errors.js';

interface Signing {
  required: boolean;
  secrets: { secretPrefix: string; createdAt: string }[];
}

interface Limits {
  requestsPerSecond: number;
  burst: number;
  keyRequestsPerSecond: number;
  keyBurst: number;
  source: 'app' | 'default';
}

const appPath = (appId: string) => `/api/v1/admin/apps/${encodeURIComponent(appId)}`;

function renderSigning(appId: string, signing: Signing): string {
  const lines = [`App "${appId}" ${signing.required ? 'requires' : 'does not require'} signed requests.`];
  if (signing.secrets.length === 0) lines.push('No signing secrets: `xray apps signing <appId> new-secret` creates one.');
  for (const secret of signing.secrets) lines.push(`  ${secret.secretPrefix}…  created ${secret.createdAt}`);
  return lines.join('\n');
}

/** `xray apps signing <appId> [show|require|optional|new-secret|revoke-secret <prefix>]` */
export async function runSigning(context: CommandContext, args: string[]): Promise<void> {
  const [appId, action = 'show', ...rest] = args;
  if (appId === undefined) throw new UsageError('missing <appId>', 'apps');
  const path = `${appPath(appId)}/signing`;
  if (action === 'show' || action === 'require' || action === 'optional') {
    expectPositionals(rest, [], 'apps');
    const signing =
      action === 'show'
        ? await context.client.get<Signing>(path, { auth: 'admin' })
        : await context.client.put<Signing>(path, { required: action === 'require' }, { auth: 'admin' });
    context.out(context.json ? toJson(signing) : renderSigning(appId, signing));
    return;
  }
  if (action === 'new-secret') {
    expectPositionals(rest, [], 'apps');
    const created = await context.client.post<{ secret: string; secretPrefix: string }>(`${appPath(appId)}/signing-secrets`, {}, { auth: 'admin' });
    context.out(
      context.json
        ? toJson(created)
        : [
            `Created signing secret ${created.secretPrefix}… for app "${appId}".`,
            '',
            `  Signing secret: ${context.colors.bold(created.secret)}`,
            '',
            context.colors.yellow('  Save it now: it is shown only once. Give it to the senders of this app:'),
            context.colors.dim(`  export XRAY_SIGNING_SECRET=${created.secret}`),
          ].join('\n'),
    );
    return;
  }
  if (action === 'revoke-secret') {
    const [secretPrefix] = expectPositionals(rest, ['secretPrefix'], 'apps');
    const result = await context.client.delete<{ revoked: number }>(`${appPath(appId)}/signing-secrets/${encodeURIComponent(secretPrefix)}`, {
      auth: 'admin',
    });
    context.out(context.json ? toJson(result) : `Revoked signing secret ${secretPrefix}… of app "${appId}".`);
    return;
  }
  throw new UsageError(`unknown signing action ${JSON.stringify(action)}: expected show, require, optional, new-secret or revoke-secret`, 'apps');
}

function positiveNumber(values: OptionValues, flag: string, integer: boolean): number | undefined {
  const text = stringOption(values, flag);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${flag} must be a positive ${integer ? 'whole ' : ''}number, got ${JSON.stringify(text)}`, 'apps');
  }
  return value;
}

function renderLimits(appId: string, limits: Limits): string {
  const source = limits.source === 'default' ? " (the collector's defaults)" : '';
  return [
    `App "${appId}": ${limits.requestsPerSecond} requests/s, burst ${limits.burst}${source}`,
    `Each key:  ${limits.keyRequestsPerSecond} requests/s, burst ${limits.keyBurst}`,
  ].join('\n');
}

/** `xray apps limits <appId> [--rps N --burst N [--key-rps N --key-burst N] | --reset]` */
export async function runLimits(context: CommandContext, args: string[], values: OptionValues): Promise<void> {
  const [appId] = expectPositionals(args, ['appId'], 'apps');
  const path = `${appPath(appId)}/limits`;
  const rps = positiveNumber(values, 'rps', false);
  const burst = positiveNumber(values, 'burst', true);
  const keyRps = positiveNumber(values, 'key-rps', false);
  const keyBurst = positiveNumber(values, 'key-burst', true);
  const changing = [rps, burst, keyRps, keyBurst].some((value) => value !== undefined);
  let limits: Limits;
  if (values.reset === true) {
    if (changing) throw new UsageError('use either --reset or --rps/--burst, not both', 'apps');
    limits = await context.client.delete<Limits>(path, { auth: 'admin' });
  } else if (changing) {
    if (rps === undefined || burst === undefined) throw new UsageError('--rps and --burst go together', 'apps');
    if ((keyRps === undefined) !== (keyBurst === undefined)) throw new UsageError('--key-rps and --key-burst go together', 'apps');
    const body = { requestsPerSecond: rps, burst, ...(keyRps === undefined ? {} : { keyRequestsPerSecond: keyRps, keyBurst }) };
    limits = await context.client.put<Limits>(path, body, { auth: 'admin' });
  } else {
    limits = await context.client.get<Limits>(path, { auth: 'admin' });
  }
  context.out(context.json ? toJson(limits) : renderLimits(appId, limits));
}
