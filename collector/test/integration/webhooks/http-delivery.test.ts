/**
 * One delivery attempt against real local HTTP servers: the signed request
 * a receiver gets, no redirect followed, a deadline, and the SSRF policy
 * applied to what a host name resolves to when connecting (so `localhost`
 * written as a name is refused unless loopback is allowed).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../../src/auth/signature.js';
import { createAddressPolicy } from '../../../src/webhooks/address-policy.js';
import { attemptDelivery } from '../../../src/webhooks/http-delivery.js';
import { startReceiver, verifyWebhookSignature } from '../../support/webhook-receiver.js';
import type { Receiver } from '../../support/webhook-receiver.js';

const open = createAddressPolicy(['127.0.0.0/8', '::1']);
const closed = createAddressPolicy();
const input = (url: string) => ({
  url,
  body: '{"id":"evt_1","type":"webhook.test"}',
  secret: 'whsec_test',
  eventId: 'evt_1',
  eventType: 'webhook.test',
  attempt: 1,
  timeoutMillis: 300,
  nowMillis: Date.now(),
});

describe('webhooks/http-delivery', () => {
  let receiver: Receiver;
  let redirectUrl: string;
  let closeRedirect: () => Promise<void>;

  beforeAll(async () => {
    receiver = await startReceiver([200]);
    const server = createServer((_request, response) => response.writeHead(302, { location: receiver.url }).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    redirectUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/moved`;
    closeRedirect = () => new Promise((resolve) => server.close(() => resolve()));
  });
  afterAll(async () => {
    await receiver?.close();
    await closeRedirect?.();
  });

  it('POSTs the body with a signature the collector’s own verifier and an independent one accept', async () => {
    receiver.script = [200];
    expect(await attemptDelivery(input(receiver.url), open)).toEqual({ ok: true, statusCode: 200 });
    const request = receiver.requests.at(-1)!;
    expect(request.body).toBe(input(receiver.url).body);
    expect(request.headers).toMatchObject({ 'content-type': 'application/json', 'x-xray-event-id': 'evt_1', 'x-xray-event-type': 'webhook.test', 'x-xray-delivery-attempt': '1' });
    const header = request.headers['x-xray-signature'] as string;
    expect(verifyWebhookSignature('whsec_test', header, request.body)).toBe(true);
    // The same verifier as signed /v1/traces requests.
    expect(verifySignature({ header, body: Buffer.from(request.body), secrets: ['whsec_test'], required: true, nowSeconds: Math.floor(Date.now() / 1000), windowSeconds: 300 })).toEqual({ ok: true });
  });

  it('reports a non-2xx status and a missing answer as failures', async () => {
    receiver.script = [500];
    expect(await attemptDelivery({ ...input(receiver.url), eventId: 'evt_500' }, open)).toEqual({ ok: false, statusCode: 500, error: 'HTTP 500' });
    receiver.script = ['hang'];
    expect(await attemptDelivery({ ...input(receiver.url), eventId: 'evt_hang' }, open)).toEqual({ ok: false, statusCode: 0, error: 'No answer within 300 ms' });
  });

  it('does not follow a redirect', async () => {
    const before = receiver.requests.length;
    expect(await attemptDelivery(input(redirectUrl), open)).toEqual({ ok: false, statusCode: 302, error: 'HTTP 302: redirects are not followed' });
    expect(receiver.requests).toHaveLength(before);
  });

  it('refuses private addresses, also when a name resolves to one at connect time', async () => {
    const before = receiver.requests.length;
    const literal = await attemptDelivery(input(receiver.url), closed);
    expect(literal).toMatchObject({ ok: false, statusCode: 0, error: expect.stringContaining('127.0.0.1 is a loopback, private or link-local address') });
    const byName = await attemptDelivery(input(receiver.url.replace('127.0.0.1', 'localhost')), closed);
    expect(byName).toMatchObject({ ok: false, statusCode: 0, error: 'XRAY_ADDRESS_NOT_ALLOWED: localhost resolves to a loopback, private or link-local address (allow it with XRAY_WEBHOOK_ALLOW_PRIVATE)' });
    expect(receiver.requests).toHaveLength(before);
  });
});
