/**
 * Reads the credential a request carries: `Authorization: Bearer <key>` or
 * `x-api-key: <key>` (the form OTLP exporters send through their `headers`).
 */
import type { IncomingHttpHeaders } from 'node:http';

export function credentialFrom(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.trim() !== '') return apiKey.trim();
  return undefined;
}
