/**
 * A real HTTP receiver for webhook tests (node:http on 127.0.0.1, port 0).
 * It records every request and answers each one as its script says:
 * a status code, or `hang` (never answer, so the sender's deadline fires).
 * The script is per event id (the n-th attempt of an event gets the n-th
 * entry; later attempts get the last), so retries of one event are scripted
 * independently of others.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Answer = number | 'hang';

export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
  eventId: string;
  answer: Answer;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** What each event's attempts are answered with, in order (the last repeats). */
  script: Answer[];
  /** Requests answered 2xx, per event id. */
  deliveredCounts(): Map<string, number>;
  close(): Promise<void>;
}

/**
 * Checks `x-xray-signature: t=<unix>,v1=<hex>` independently of the
 * collector's code: HMAC-SHA256 keyed with the secret over "<t>." + body.
 */
export function verifyWebhookSignature(secret: string, header: string | undefined, body: string): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=') as [string, string]));
  if (!/^\d+$/.test(parts.t ?? '') || !/^[0-9a-f]{64}$/.test(parts.v1 ?? '')) return false;
  const expected = createHmac('sha256', secret).update(`${parts.t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(parts.v1, 'hex'));
}

export async function startReceiver(script: Answer[] = [200]): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const receiver: Receiver = {
    url: '',
    requests,
    script,
    deliveredCounts() {
      const counts = new Map<string, number>();
      for (const request of requests) {
        if (typeof request.answer === 'number' && request.answer >= 200 && request.answer < 300) {
          counts.set(request.eventId, (counts.get(request.eventId) ?? 0) + 1);
        }
      }
      return counts;
    },
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const eventId = String(request.headers['x-xray-event-id'] ?? '');
      const attempt = requests.filter((seen) => seen.eventId === eventId).length;
      const answer = receiver.script[Math.min(attempt, receiver.script.length - 1)];
      requests.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), eventId, answer });
      if (answer === 'hang') {
        hanging.add(response);
        return;
      }
      response.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'not now');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return receiver;
}
