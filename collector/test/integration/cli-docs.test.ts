/**
 * collector/CLI.md shows each command's real output: this test starts a real
 * collector on a real embedded ClickHouse, sends a fixed set of executions
 * (fixed ids and times of day) as OTLP, runs every documented command line
 * through the CLI and compares what it printed with the document's generated
 * sections. It fails when the document drifted from the program; run it with
 * UPDATE_CLI_DOCS=1 to rewrite those sections.
 *
 * The executions are dated two days ago (the store keeps raw data 30 days
 * and rollups 400, and refuses spans from far outside that), and the two
 * dates are written as 2024-05-01 and 2024-05-02 in the document, in the
 * command lines and the output alike: the only change made to what the
 * CLI printed. The zone example uses Asia/Tokyo, which has no daylight
 * saving, so its clock does not move with the season.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { startCollector } from '../support/collector-harness.js';
import type { Harness } from '../support/collector-harness.js';
import { commandBlock, readSections, writeSections } from '../support/doc-sections.js';
import { jsonSpan, newSpanId } from '../support/otlp-fixtures.js';

const CLI_MD = fileURLToPath(new URL('../../CLI.md', import.meta.url));
const DAY_MILLIS = 86_400_000;
/** Midnight UTC two days ago: every documented time of day is in the past, and well inside retention. */
const DAY0 = Math.floor(Date.now() / DAY_MILLIS) * DAY_MILLIS - 2 * DAY_MILLIS;
const isoDate = (millis: number) => new Date(millis).toISOString().slice(0, 10);
const DOC_DATES: [string, string][] = [
  [isoDate(DAY0), '2024-05-01'],
  [isoDate(DAY0 + DAY_MILLIS), '2024-05-02'],
];
/** The real dates as the document writes them. */
const toDocDates = (text: string) => DOC_DATES.reduce((result, [real, doc]) => result.split(real).join(doc), text);
const at = (hhmmss: string) => DAY0 + (Number(hhmmss.slice(0, 2)) * 3600 + Number(hhmmss.slice(3, 5)) * 60 + Number(hhmmss.slice(6, 8))) * 1000;

interface DocStep {
  name: string;
  startMs: number;
  durationMs: number;
  parent?: string;
  reasoning?: string;
  error?: { type: string; message: string };
  model?: { name: string; provider: string; inputTokens: number; outputTokens: number; costUsd?: number };
  input?: string;
  output?: string;
}

interface DocExecution {
  id: string;
  pipeline: string;
  environment: string;
  service: string;
  start: number;
  durationMs: number;
  failed?: string;
  outcome?: unknown;
  metadata?: unknown;
  steps: DocStep[];
}

const EXECUTIONS: DocExecution[] = [
  {
    id: '4bf92f3577b34da6a3ce929d0e0e4736',
    pipeline: 'loan-approval',
    environment: 'prod',
    service: 'loans-api',
    start: at('14:02:11'),
    durationMs: 1200,
    failed: 'check_rules failed: income missing',
    outcome: { decision: 'manual_review', reason: 'income missing' },
    metadata: { applicantId: 'a-1042', channel: 'web' },
    steps: [
      { name: 'fetch_applicant', startMs: 0, durationMs: 120, reasoning: 'Credit bureau score 712 puts the applicant in tier B.' },
      { name: 'gather_signals', startMs: 120, durationMs: 600 },
      {
        name: 'llm_summarize_history',
        parent: 'gather_signals',
        startMs: 130,
        durationMs: 550,
        reasoning: 'Two late payments in 14 months, none in the last 6.',
        model: { name: 'gpt-4o-mini', provider: 'openai', inputTokens: 1840, outputTokens: 212, costUsd: 0.0009 },
        input: '{"payments":36,"late":2}',
        output: '"Two late payments in 14 months, none in the last 6."',
      },
      { name: 'fraud_check', parent: 'gather_signals', startMs: 130, durationMs: 200, reasoning: 'Device and address match the last 3 applications.' },
      { name: 'check_rules', startMs: 750, durationMs: 450, error: { type: 'ValueError', message: 'income missing' } },
    ],
  },
  {
    id: 'exec-2024-05-01-0042',
    pipeline: 'loan-approval',
    environment: 'prod',
    service: 'loans-api',
    start: at('14:01:57'),
    durationMs: 830,
    outcome: { decision: 'approved' },
    steps: [
      { name: 'fetch_applicant', startMs: 0, durationMs: 110 },
      { name: 'gather_signals', startMs: 110, durationMs: 500 },
      { name: 'check_rules', startMs: 620, durationMs: 150, reasoning: 'All 12 rules pass.' },
      { name: 'notify_applicant', startMs: 780, durationMs: 50 },
    ],
  },
  {
    id: 'exec-2024-05-01-0017',
    pipeline: 'loan-approval',
    environment: 'prod',
    service: 'loans-api',
    start: at('09:15:22'),
    durationMs: 5012,
    failed: 'fetch_applicant failed: bureau timeout',
    steps: [{ name: 'fetch_applicant', startMs: 0, durationMs: 5010, error: { type: 'TimeoutError', message: 'credit bureau did not answer in 5 s' } }],
  },
  {
    id: 'fraud-7c1e',
    pipeline: 'fraud-screening',
    environment: 'staging',
    service: 'fraud-svc',
    start: at('13:40:03'),
    durationMs: 95,
    steps: [
      {
        name: 'score_transaction',
        startMs: 0,
        durationMs: 60,
        reasoning: 'Amount is 0.4x the customer median.',
        // No cost sent: the collector's price table estimates it.
        model: { name: 'gpt-4o-mini-2024-07-18', provider: 'openai', inputTokens: 12000, outputTokens: 800 },
      },
      { name: 'decide', startMs: 60, durationMs: 35 },
    ],
  },
];

/** The OTLP/JSON request of one execution in X-Ray's attribute convention. */
function toRequest(execution: DocExecution): string {
  const traceId = execution.id.replace(/[^0-9a-f]/g, '').padEnd(32, 'a').slice(0, 32);
  const rootId = newSpanId();
  const ids = new Map(execution.steps.map((step) => [step.name, newSpanId()]));
  const root = jsonSpan({
    traceId,
    spanId: rootId,
    name: execution.pipeline,
    startMs: execution.start,
    durationMs: execution.durationMs,
    error: execution.failed,
    attributes: {
      'xray.execution.id': execution.id,
      'xray.execution.root': true,
      'xray.pipeline': execution.pipeline,
      'xray.environment': execution.environment,
      'xray.execution.status': execution.failed ? 'failed' : 'completed',
      ...(execution.outcome ? { 'xray.execution.outcome': JSON.stringify(execution.outcome) } : {}),
      ...(execution.metadata ? { 'xray.execution.metadata': JSON.stringify(execution.metadata) } : {}),
    },
  });
  const steps = execution.steps.map((step, sequence) => {
    const span = jsonSpan({
      traceId,
      spanId: ids.get(step.name)!,
      parentSpanId: step.parent ? ids.get(step.parent) : rootId,
      name: step.name,
      startMs: execution.start + step.startMs,
      durationMs: step.durationMs,
      error: step.error?.message,
      attributes: {
        'xray.execution.id': execution.id,
        'xray.step.sequence': sequence,
        'xray.step.status': step.error ? 'failed' : 'completed',
        ...(step.reasoning ? { 'xray.step.reasoning': step.reasoning } : {}),
        ...(step.input ? { 'input.value': step.input, 'input.mime_type': 'application/json' } : {}),
        ...(step.output ? { 'output.value': step.output, 'output.mime_type': 'application/json' } : {}),
        ...(step.model
          ? {
              'gen_ai.request.model': step.model.name,
              'gen_ai.provider.name': step.model.provider,
              'gen_ai.usage.input_tokens': step.model.inputTokens,
              'gen_ai.usage.output_tokens': step.model.outputTokens,
              ...(step.model.costUsd === undefined ? {} : { 'xray.step.cost_usd': step.model.costUsd }),
            }
          : {}),
      },
    });
    if (step.error) {
      span.events = [
        {
          name: 'exception',
          timeUnixNano: String(BigInt(execution.start + step.startMs + step.durationMs) * 1_000_000n),
          attributes: [
            { key: 'exception.type', value: { stringValue: step.error.type } },
            { key: 'exception.message', value: { stringValue: step.error.message } },
          ],
        },
      ];
    }
    return span;
  });
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: execution.service } }] },
        scopeSpans: [{ scope: { name: 'cli-docs' }, spans: [root, ...steps] }],
      },
    ],
  });
}

const WINDOW = ['--from', isoDate(DAY0), '--to', isoDate(DAY0 + DAY_MILLIS)];

/** The module `xray replay` runs in the document: one step rewritten, one failing as recorded, two left out. */
const LOAN_PIPELINE = `
export function fetch_applicant() {}
export function llm_summarize_history(history) {
  return \`\${history.late} late payments in \${history.payments} months.\`;
}
export function check_rules() {
  throw new Error('income missing');
}
`;
/** The folder the replay example runs in (its module is ./loan-pipeline.mjs there). */
const REPLAY_DIR = mkdtempSync(join(tmpdir(), 'xray-cli-docs-'));

/**
 * Every generated section of CLI.md: its name, the command line shown, the environment and folder it
 * runs with. `webhooksKey` runs it with a key that has the "webhooks" scope (not shown in the line).
 */
const COMMANDS: { name: string; argv: string[]; env?: Record<string, string>; cwd?: string; webhooksKey?: boolean }[] = [
  { name: 'executions', argv: ['executions', ...WINDOW] },
  { name: 'executions-tz', argv: ['executions', '--pipeline', 'fraud-screening', ...WINDOW], env: { TZ: 'Asia/Tokyo' } },
  { name: 'show', argv: ['show', '4bf92f3577b34da6a3ce929d0e0e4736'] },
  { name: 'show-failed', argv: ['show', '4bf92f35', '--failed'] },
  { name: 'show-verbose', argv: ['show', '4bf92f35', '--step', 'llm_*', '--verbose'] },
  { name: 'steps', argv: ['steps', '--status', 'failed', ...WINDOW] },
  { name: 'cost', argv: ['cost', '--by', 'model', ...WINDOW] },
  { name: 'steps-search', argv: ['steps', '--search', 'bureau', ...WINDOW] },
  { name: 'stats', argv: ['stats', '--from', `${isoDate(DAY0)}T00:00:00Z`, '--to', `${isoDate(DAY0 + DAY_MILLIS)}T00:00:00Z`, '--interval', '6h'] },
  { name: 'sql', argv: ['sql', 'SELECT pipeline, status, count() AS n FROM executions FINAL GROUP BY pipeline, status ORDER BY pipeline, status'] },
  {
    name: 'webhooks-create',
    argv: ['webhooks', 'create', 'https://hooks.example.com/xray', '--on', 'failed', '--pipeline', 'loan-approval', '--step', 'check_rules'],
    webhooksKey: true,
  },
  {
    name: 'webhooks-create-rate',
    argv: ['webhooks', 'create', 'https://hooks.example.com/xray', '--on', 'failure-rate', '--threshold', '0.2', '--window', '15m', '--description', 'paging'],
    webhooksKey: true,
  },
  { name: 'webhooks-list', argv: ['webhooks', 'list'], webhooksKey: true },
  { name: 'webhooks-url-error', argv: ['webhooks', 'create', 'http://169.254.169.254/latest', '--on', 'failed'], webhooksKey: true },
  { name: 'flag-error', argv: ['executions', '--limit', '-5'] },
  { name: 'not-found', argv: ['show', 'no-such-execution'] },
  { name: 'replay', argv: ['replay', '4bf92f3577b34da6a3ce929d0e0e4736', '--module', './loan-pipeline.mjs'], cwd: REPLAY_DIR },
];

/**
 * Webhook ids and signing secrets are random: the document shows fixed ones,
 * each real value replaced by the same stand-in every time it appears.
 */
function fixedWebhookIds(): (text: string) => string {
  const ids = new Map<string, string>();
  const secrets = new Map<string, string>();
  const id = (real: string) => ids.get(real) ?? ids.set(real, `wh_3kTm9aQ0xYbZ1c${ids.size}D`).get(real)!;
  const secret = (real: string) => {
    if (!secrets.has(real)) {
      const fake = `whsec_${`${secrets.size / 2}Xr7pQ2mZ${'kq4VbN8sWd'.repeat(4)}`.slice(0, 43)}`;
      secrets.set(real, fake);
      // The prefix lists show is the secret's first 14 characters: the same in the stand-in.
      secrets.set(`${real.slice(0, 14)}…`, `${fake.slice(0, 14)}…`);
    }
    return secrets.get(real)!;
  };
  return (text) =>
    text
      .replace(/whsec_[A-Za-z0-9_-]{43}/g, secret)
      .replace(/wh_[A-Za-z0-9_-]{16}/g, id)
      .replace(/whsec_[A-Za-z0-9_-]{8}…/g, (real) => secrets.get(real) ?? real);
}

/** The command line as a reader would type it. */
function shellLine(argv: string[], env: Record<string, string> = {}): string {
  const quote = (word: string) => (/^[A-Za-z0-9_./:=@-]+$/.test(word) ? word : `"${word}"`);
  const prefix = Object.entries(env).map(([key, value]) => `${key}=${quote(value)} `).join('');
  return `${prefix}xray ${argv.map(quote).join(' ')}`;
}

describe('CLI.md', () => {
  let harness: Harness;
  const outputs = new Map<string, string>();

  beforeAll(async () => {
    harness = await startCollector({ priceTable: { models: [{ model: 'gpt-4o-mini*', inputPerMillionUsd: 0.15, outputPerMillionUsd: 0.6 }] } });
    const fixIds = fixedWebhookIds();
    const issued = await fetch(`${harness.url}/api/v1/admin/apps/${harness.appId}/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${harness.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'docs', scopes: ['webhooks'] }),
    });
    const webhooksKey = ((await issued.json()) as { apiKey: string }).apiKey;
    writeFileSync(join(REPLAY_DIR, 'loan-pipeline.mjs'), LOAN_PIPELINE);
    for (const execution of EXECUTIONS) {
      const response = await fetch(`${harness.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': harness.apiKey },
        body: toRequest(execution),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({});
    }
    // Two judgements of the first execution: `xray show` lists the latest one of each name.
    for (const score of [
      { name: 'correct', value: true, author: 'bob', time: new Date(at('15:00:00')).toISOString() },
      { name: 'correct', value: false, author: 'alice', comment: 'income was on page 2', time: new Date(at('16:30:00')).toISOString() },
    ]) {
      const scored = await fetch(`${harness.url}/api/v1/executions/4bf92f3577b34da6a3ce929d0e0e4736/scores`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${harness.apiKey}` },
        body: JSON.stringify(score),
      });
      expect(scored.status).toBe(201);
    }

    for (const command of COMMANDS) {
      let text = '';
      await runCli({
        argv: command.argv,
        env: {
          XRAY_URL: harness.url,
          XRAY_API_KEY: command.webhooksKey ? webhooksKey : harness.apiKey,
          XRAY_ADMIN_TOKEN: harness.adminToken,
          NO_COLOR: '1',
          COLUMNS: '100',
          ...command.env,
        },
        stdout: (chunk) => void (text += chunk),
        stderr: (chunk) => void (text += chunk),
        stdoutIsTTY: false,
        stderrIsTTY: false,
        columns: undefined,
        readSecret: () => undefined,
        cwd: command.cwd,
      });
      outputs.set(command.name, fixIds(toDocDates(commandBlock(shellLine(command.argv, command.env), text))));
    }
  });
  afterAll(async () => {
    await harness?.close();
    rmSync(REPLAY_DIR, { recursive: true, force: true });
  });

  it('has a generated section for every documented command, and no other', () => {
    const sections = readSections(readFileSync(CLI_MD, 'utf8'));
    expect([...sections.keys()].sort()).toEqual(COMMANDS.map((command) => command.name).sort());
  });

  it("shows each command's real output (UPDATE_CLI_DOCS=1 rewrites the sections)", () => {
    const markdown = readFileSync(CLI_MD, 'utf8');
    const updated = writeSections(markdown, outputs);
    if (process.env.UPDATE_CLI_DOCS === '1') writeFileSync(CLI_MD, updated);
    const sections = readSections(process.env.UPDATE_CLI_DOCS === '1' ? updated : markdown);
    for (const [name, output] of outputs) expect(sections.get(name), `section ${name} of CLI.md`).toBe(output);
  });
});
