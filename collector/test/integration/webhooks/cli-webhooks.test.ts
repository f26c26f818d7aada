/**
 * `xray webhooks` against a real collector on a real embedded ClickHouse and
 * a real local receiver: create (flags and --conditions), list, test, the
 * deliveries table, disable/enable, delete, and the errors a user sees for
 * bad flags, a key without the scope, and another app's webhook.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../../src/cli/run.js';
import { adminCall } from '../../support/admin-api.js';
import { startCollector } from '../../support/collector-harness.js';
import type { Harness } from '../../support/collector-harness.js';
import { startReceiver, verifyWebhookSignature } from '../../support/webhook-receiver.js';
import type { Receiver } from '../../support/webhook-receiver.js';

describe('xray webhooks', () => {
  let harness: Harness;
  let receiver: Receiver;
  let key: string;

  async function xray(argv: string[], apiKey = key): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const code = await runCli({
      argv,
      env: { XRAY_URL: harness.url, XRAY_API_KEY: apiKey, NO_COLOR: '1' },
      stdout: (chunk) => void (stdout += chunk),
      stderr: (chunk) => void (stderr += chunk),
      stdoutIsTTY: false,
      stderrIsTTY: false,
      columns: undefined,
      readSecret: () => undefined,
    });
    return { code, stdout, stderr };
  }

  beforeAll(async () => {
    receiver = await startReceiver([200]);
    harness = await startCollector({ webhooks: { allowPrivate: ['127.0.0.1'], retry: { baseMillis: 20, maxMillis: 50, maxAttempts: 3, maxAgeMillis: 60_000 }, evaluateMillis: 0 } });
    key = (await adminCall(harness, 'POST', '/apps/default/keys', { scopes: ['webhooks'] })).body.apiKey;
  });
  afterAll(async () => {
    await harness?.close();
    await receiver?.close();
  });

  it('creates, lists, tests, shows deliveries, disables and deletes a webhook', async () => {
    const created = await xray(['webhooks', 'create', receiver.url, '--on', 'p95', '--threshold', '1500', '--pipeline', 'loan', '--window', '30m', '--min-executions', '5', '--json']);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const { webhook, secret } = JSON.parse(created.stdout);
    expect(webhook.conditions).toEqual([{ type: 'p95_duration', pipeline: 'loan', window: '30m', thresholdMillis: 1500, minExecutions: 5, cooldown: '1h' }]);
    const viaJson = await xray(['webhooks', 'create', receiver.url, '--conditions', '[{"type":"execution_failed","step":"fetch"},{"type":"failure_rate","threshold":0.5}]']);
    expect(viaJson.code).toBe(0);
    expect(viaJson.stdout).toContain('on: failed step=fetch; failure_rate>=0.5/15m');
    expect(viaJson.stdout).toMatch(/Signing secret: whsec_/);

    const list = await xray(['webhooks', 'list']);
    expect(list.stdout.split('\n')[0]).toMatch(/^WEBHOOK\s+URL\s+ON\s+STATUS\s+SECRET\s+DESCRIPTION/);
    expect(list.stdout).toMatch(new RegExp(`${webhook.webhookId}\\s+${receiver.url}\\s+p95>=1500ms/30m pipeline=loan\\s+enabled`));

    const tested = await xray(['webhooks', 'test', webhook.webhookId]);
    expect(tested.stdout).toMatch(/^Queued test event evt_[0-9a-f]{32};/);
    const eventId = /evt_[0-9a-f]{32}/.exec(tested.stdout)![0];
    await vi.waitFor(() => expect(receiver.deliveredCounts().get(eventId)).toBe(1), { timeout: 30_000, interval: 50 });
    const received = receiver.requests.find((request) => request.eventId === eventId)!;
    expect(verifyWebhookSignature(secret, received.headers['x-xray-signature'] as string, received.body)).toBe(true);
    await vi.waitFor(
      async () => {
        const deliveries = await xray(['webhooks', 'deliveries', webhook.webhookId]);
        expect(deliveries.stdout.split('\n')[0]).toMatch(/^CREATED \(UTC\)\s+EVENT\s+TYPE\s+PIPELINE\s+STATUS\s+ATTEMPTS\s+HTTP\s+NEXT ATTEMPT\s+LAST ERROR/);
        expect(deliveries.stdout).toMatch(new RegExp(`${eventId}\\s+webhook\\.test\\s+-\\s+delivered\\s+1\\s+200\\s+-\\s+-`));
      },
      { timeout: 30_000, interval: 50 },
    );
    expect((await xray(['webhooks', 'deliveries', webhook.webhookId, '--status', 'failed'])).stdout).toContain('No deliveries yet.');

    expect((await xray(['webhooks', 'disable', webhook.webhookId])).stdout).toBe(`Webhook ${webhook.webhookId} is disabled.\n`);
    const refused = await xray(['webhooks', 'test', webhook.webhookId]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('XRAY_ERR_WEBHOOK_DISABLED');
    expect((await xray(['webhooks', 'enable', webhook.webhookId])).stdout).toBe(`Webhook ${webhook.webhookId} is enabled.\n`);
    expect((await xray(['webhooks', 'delete', webhook.webhookId])).code).toBe(0);
    expect((await xray(['webhooks', 'list'])).stdout).not.toContain(webhook.webhookId);
  });

  it('says what is wrong with flags, the key or the webhook id', async () => {
    const noOn = await xray(['webhooks', 'create', receiver.url]);
    expect(noOn.code).toBe(2);
    expect(noOn.stderr).toContain('create needs --on failed|failure-rate|p95');
    expect((await xray(['webhooks', 'create', receiver.url, '--on', 'slow'])).stderr).toContain('--on');
    expect((await xray(['webhooks', 'create', receiver.url, '--on', 'failure-rate'])).stderr).toContain('needs --threshold');
    expect((await xray(['webhooks', 'create', receiver.url, '--on', 'p95', '--threshold', 'fast'])).stderr).toContain('--threshold');
    expect((await xray(['webhooks', 'frobnicate'])).stderr).toContain('unknown action "frobnicate"');
    const badWindow = await xray(['webhooks', 'create', receiver.url, '--on', 'failure-rate', '--threshold', '0.1', '--window', '2d']);
    expect(badWindow.code).toBe(1);
    expect(badWindow.stderr).toContain('XRAY_ERR_VALIDATION');
    expect(badWindow.stderr).toContain('window must be a duration from 1m to 1d');

    const withoutScope = await xray(['webhooks', 'list'], harness.apiKey);
    expect(withoutScope.code).toBe(1);
    expect(withoutScope.stderr).toContain('XRAY_ERR_AUTH_SCOPE');
    expect(withoutScope.stderr).toContain('"webhooks" scope');

    const otherKey = (await adminCall(harness, 'POST', '/apps', { appId: 'cli-other', scopes: ['webhooks'] })).body.apiKey;
    const mine = JSON.parse((await xray(['webhooks', 'create', receiver.url, '--on', 'failed', '--json'])).stdout).webhook.webhookId;
    for (const action of ['deliveries', 'test', 'disable', 'delete']) {
      const reply = await xray(['webhooks', action, mine], otherKey);
      expect(reply.code, action).toBe(1);
      expect(reply.stderr, action).toContain('XRAY_ERR_NOT_FOUND');
    }
  });
});
