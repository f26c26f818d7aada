/** Calls the collector's admin API (`/api/v1/admin…`) with the harness's admin token. */
import type { Harness } from './collector-harness.js';

export async function adminCall(harness: Harness, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${harness.url}/api/v1/admin${path}`, {
    method,
    headers: { authorization: `Bearer ${harness.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** Calls the query API (`/api/v1…`) with an app key; returns status and JSON. */
export async function appCall(harness: Harness, apiKey: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${harness.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}
