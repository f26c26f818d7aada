/**
 * The name of one OTLP request's content, for ClickHouse's
 * insert_deduplication_token. A retry (by the client, through whichever
 * collector the load balancer picks, over HTTP or gRPC) shares exactly two
 * things with the first attempt: the key's app and the decoded request
 * bytes. Both go into the digest, so two apps sending identical bytes never
 * suppress each other, and nothing local to one collector (time, a counter,
 * a random id) does. The number of spans admitted is part of the token too:
 * admission depends on the clock (retention window), and a retry that admits
 * a different set of spans is a different block and must not be dropped.
 */
import { createHash } from 'node:crypto';

/**
 * @example
 * deduplicationTokenOf('checkout', body, 12); // 'xray1:9f86d0…:12'
 */
export function deduplicationTokenOf(appId: string, body: Uint8Array, admittedSpans: number): string {
  const digest = createHash('sha256').update(appId, 'utf8').update('\0').update(body).digest('hex');
  return `xray1:${digest}:${admittedSpans}`;
}
