/**
 * The JSON shapes the CLI reads, taken from the API's own zod schemas so a
 * change there fails the CLI's type check instead of its output. Type-only:
 * nothing of the server is loaded at run time.
 */
import type { z } from 'zod';
import type {
  executionDetail,
  executionListResponse,
  executionResponse,
  executionSummary,
  failureRateResponse,
  step,
  stepSearchResponse,
  summaryResponse,
} from '../api/schemas.js';
import type { auditListResponse } from '../audit/audit-routes.js';
import type { compareResponse } from '../compare/schemas.js';
import type { deliverySchema, webhookSchema } from '../webhooks/webhook-schemas.js';
import type { costResponse } from '../cost/cost-schemas.js';

export type ExecutionSummary = z.infer<typeof executionSummary>;
export type ExecutionDetail = z.infer<typeof executionDetail>;
export type Step = z.infer<typeof step>;
export type ExecutionListResponse = z.infer<typeof executionListResponse>;
export type ExecutionResponse = z.infer<typeof executionResponse>;
export type StepSearchResponse = z.infer<typeof stepSearchResponse>;
export type SummaryResponse = z.infer<typeof summaryResponse>;
export type FailureRateResponse = z.infer<typeof failureRateResponse>;
export type CompareResponse = z.infer<typeof compareResponse>;
export type Webhook = z.infer<typeof webhookSchema>;
export type WebhookDelivery = z.infer<typeof deliverySchema>;
export type CostResponse = z.infer<typeof costResponse>;

/** The admin routes declare their schemas inline, so these mirror admin-routes.ts. */
export interface App {
  appId: string;
  name: string;
  createdAt: string;
  description: string;
  owner: string;
  labels: Record<string, string>;
}

export interface ApiKeyInfo {
  keyPrefix: string;
  appId: string;
  name: string;
  createdAt: string;
  revoked: boolean;
  scopes: string[];
}

export interface SqlResponse {
  rows: Record<string, unknown>[];
  truncated: boolean;
}

export type AuditResponse = z.infer<typeof auditListResponse>;
export type AuditEntry = AuditResponse['entries'][number];
/** A score as `/api/v1/executions/{id}/scores` returns it. */
export interface Score {
  scoreId: string;
  executionId: string;
  stepSpanId: string | null;
  name: string;
  kind: 'numeric' | 'boolean' | 'categorical';
  value: number | boolean | string;
  comment: string;
  author: string;
  pipeline: string;
  time: string;
}
