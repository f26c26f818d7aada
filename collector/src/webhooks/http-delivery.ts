/**
 * One delivery attempt: POST the event's bytes to the webhook's URL, signed,
 * with a deadline, following no redirect, connecting only to addresses the
 * SSRF policy allows (checked on what the name resolves to, at connect
 * time). node:http(s) rather than fetch, because its `lookup` hook sees the
 * resolved address before the connection is made. The reply's body is
 * drained and dropped; only its status counts. Never throws: the outcome is
 * a value.
 */
import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { SIGNATURE_HEADER, signBody } from '../auth/signature.js';
import type { AddressPolicy } from './address-policy.js';

export interface AttemptInput {
  url: string;
  body: string;
  secret: string;
  eventId: string;
  eventType: string;
  attempt: number;
  timeoutMillis: number;
  nowMillis: number;
}

export type AttemptOutcome = { ok: true; statusCode: number } | { ok: false; statusCode: number; error: string };

export const USER_AGENT = 'xray-webhooks/1';

/** The signature header a receiver verifies like x-xray-signature on /v1/traces (auth/signature.ts). */
export function signatureHeader(secret: string, body: string, nowMillis: number): string {
  const t = Math.floor(nowMillis / 1000);
  return `t=${t},v1=${signBody(secret, t, Buffer.from(body, 'utf8'))}`;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

function guardedLookup(policy: AddressPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const list = addresses as LookupAddress[];
      const refused = list.find((entry) => !policy.allows(entry.address));
      if (refused) {
        // Not which address: the text reaches the tenant (its deliveries' lastError), and would map the
        // collector's internal names to their addresses for whoever registers a URL.
        const denied: NodeJS.ErrnoException = new Error(
          `${hostname} resolves to a loopback, private or link-local address (allow it with XRAY_WEBHOOK_ALLOW_PRIVATE)`,
        );
        denied.code = 'XRAY_ADDRESS_NOT_ALLOWED';
        return callback(denied, []);
      }
      if (options.all) return callback(null, list);
      return callback(null, list[0].address, list[0].family);
    });
  };
}

/**
 * @example
 * const outcome = await attemptDelivery({ url, body, secret, eventId, eventType, attempt: 1, timeoutMillis: 10_000, nowMillis: Date.now() }, policy);
 * if (!outcome.ok) console.log(outcome.statusCode, outcome.error);
 */
export function attemptDelivery(input: AttemptInput, policy: AddressPolicy): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(input.url);
    } catch {
      return resolve({ ok: false, statusCode: 0, error: 'The webhook URL is not valid' });
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) !== 0 && !policy.allows(host)) {
      return resolve({ ok: false, statusCode: 0, error: `${host} is a loopback, private or link-local address (allow it with XRAY_WEBHOOK_ALLOW_PRIVATE)` });
    }
    const payload = Buffer.from(input.body, 'utf8');
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const signal = AbortSignal.timeout(input.timeoutMillis);
    let settled = false;
    const finish = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const request = send(
      url,
      {
        method: 'POST',
        signal,
        lookup: guardedLookup(policy) as never,
        headers: {
          'content-type': 'application/json',
          'content-length': String(payload.length),
          'user-agent': USER_AGENT,
          [SIGNATURE_HEADER]: signatureHeader(input.secret, input.body, input.nowMillis),
          'x-xray-event-id': input.eventId,
          'x-xray-event-type': input.eventType,
          'x-xray-delivery-attempt': String(input.attempt),
        },
      },
      (response) => {
        const statusCode = response.statusCode ?? 0;
        response.resume();
        response.on('error', () => undefined);
        // 'close' comes after 'end', and also when the deadline cuts the body short: the status line is the answer either way.
        response.on('close', () => {
          if (statusCode >= 200 && statusCode < 300) finish({ ok: true, statusCode });
          else if (statusCode >= 300 && statusCode < 400) finish({ ok: false, statusCode, error: `HTTP ${statusCode}: redirects are not followed` });
          else finish({ ok: false, statusCode, error: `HTTP ${statusCode}` });
        });
      },
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (signal.aborted) finish({ ok: false, statusCode: 0, error: `No answer within ${input.timeoutMillis} ms` });
      else finish({ ok: false, statusCode: 0, error: error.code && !error.message.includes(error.code) ? `${error.code}: ${error.message}` : error.message });
    });
    request.end(payload);
  });
}
