/**
 * Runs ./sdk-sender.mjs: executions sent by the real SDK while a page is
 * open (asynchronously, so the browser keeps running).
 */
import { execFile } from 'child_process';
import path from 'path';

export interface SdkStep {
  name: string;
  input?: unknown;
  output?: unknown;
  reasoning?: string;
  status?: 'completed' | 'failed' | 'skipped';
  error?: string;
  durationMs?: number;
  parent?: string;
  /** gen_ai usage: model, tokens, and a cost the sender reports. */
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
}

export interface SdkExecution {
  executionId: string;
  pipeline: string;
  environment?: string;
  metadata?: Record<string, unknown>;
  failed?: boolean;
  errorMessage?: string;
  outcome?: unknown;
  steps: SdkStep[];
}

export interface SdkScore {
  executionId: string;
  name: string;
  value: number | boolean | string;
  comment?: string;
  author?: string;
  /** When it was judged, Unix milliseconds; default: now. */
  time?: number;
}

const SENDER = path.join(__dirname, 'sdk-sender.mjs');

/** Sends with the SDK and resolves once the collector acknowledged everything. */
export function sendWithSdk(
  endpoint: string,
  apiKey: string,
  spec: { executions?: SdkExecution[]; scores?: SdkScore[] }
): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [SENDER, JSON.stringify({ endpoint, apiKey, ...spec })],
      { timeout: 60_000 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`The SDK sender failed: ${stderr || stdout || error.message}`)) : resolve()
    );
  });
}
